import NIOCore
import NIOHTTP1
import ZenithConfig

/// What a `realtime` route hands its requests to: the realtime engine, wired in by the `zenith`
/// executable. The proxy knows the engine only through this protocol.
public protocol RealtimeEndpoint: Sendable {
    /// Largest request body the endpoint accepts (Engine.IO `maxPayload`); above it → 413.
    var maxRequestBodyBytes: Int { get }

    /// Answers a plain HTTP request (an Engine.IO poll, a script of Zenith's). The future may
    /// complete on any event loop and much later (a long poll).
    func respond(to request: RealtimeRequest) -> EventLoopFuture<RealtimeResponse>

    /// Decides on a WebSocket upgrade request.
    func upgrade(_ request: RealtimeRequest) -> EventLoopFuture<RealtimeUpgradeDecision>

    /// Where a request to a realtime route is answered, decided from its head alone: here, or, in
    /// a cluster, at the node that owns the request's session.
    func placement(of head: HTTPRequestHead) -> RealtimePlacement
}

extension RealtimeEndpoint {
    /// One node: every request is answered here.
    public func placement(of head: HTTPRequestHead) -> RealtimePlacement { .local }
}

/// Where a realtime request is answered.
public enum RealtimePlacement: Sendable, Equatable {
    case local
    /// At another node of the cluster, the owner of the request's session, reached at `address`:
    /// the request is proxied there (one hop) with `zenith-forwarded-by: <forwardedBy>`, and
    /// answered 400 if that node cannot be reached (the client then starts a new session).
    case peer(address: HostAndPort, forwardedBy: String)

    /// The header that marks a request one node sent on to another; a request that carries it is
    /// never sent on again, so two nodes that disagree about an owner cannot bounce it.
    public static let forwardedByHeader = "zenith-forwarded-by"
}

/// A complete request to a realtime route (bodies are small and bounded by the endpoint).
public struct RealtimeRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: ByteBuffer
    /// The body was longer than `maxRequestBodyBytes`; `body` holds only its start, and the
    /// connection closes after the answer.
    public var bodyExceededLimit: Bool
    public var clientAddress: SocketAddress?
    /// "https" when the client came over TLS (HTTP/1.1 or HTTP/2), else "http": with the Host,
    /// the dashboard's own origin.
    public var scheme: String
    /// The client connection's event loop.
    public var eventLoop: EventLoop
    /// Completes when the client connection closes, so a long poll can notice a vanished client.
    public var connectionClosed: EventLoopFuture<Void>
}

/// A response from the realtime endpoint.
public struct RealtimeResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The realtime endpoint's answer to an Upgrade request.
public enum RealtimeUpgradeDecision: Sendable {
    /// Answer with this response; the connection closes after it.
    case refuse(RealtimeResponse)
    /// Send 101 with these headers, take the HTTP handlers out of the pipeline, then let
    /// `install` add the WebSocket handlers (on the channel's event loop).
    case accept(headers: HTTPHeaders, install: @Sendable (Channel) throws -> Void)
}
