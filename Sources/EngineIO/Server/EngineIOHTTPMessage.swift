import NIOCore
import NIOHTTP1

/// An HTTP request for the Engine.IO server: a poll, a POST of packets, or a handshake.
public struct EngineIOHTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: ByteBuffer
    /// The body was longer than `maxPayload`; `body` holds only its start.
    public var bodyExceededLimit: Bool
    public var remoteAddress: SocketAddress?
    /// Completes when the client's connection closes (ends a pending long poll).
    public var connectionClosed: EventLoopFuture<Void>
    /// The scheme the client reached the server with ("http" or "https"), for the own-origin check
    /// (`OriginPolicy`); nil when the caller cannot tell, and then either scheme is taken.
    public var scheme: String?

    public init(
        head: HTTPRequestHead, body: ByteBuffer, bodyExceededLimit: Bool, remoteAddress: SocketAddress?,
        connectionClosed: EventLoopFuture<Void>, scheme: String? = nil
    ) {
        self.scheme = scheme
        self.head = head
        self.body = body
        self.bodyExceededLimit = bodyExceededLimit
        self.remoteAddress = remoteAddress
        self.connectionClosed = connectionClosed
    }
}

/// The Engine.IO server's answer to an `EngineIOHTTPRequest`.
public struct EngineIOHTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The Engine.IO server's answer to a WebSocket upgrade request.
public enum EngineIOUpgradeDecision: Sendable {
    case refuse(EngineIOHTTPResponse)
    /// Send 101 with these headers, remove the HTTP handlers, then call `install` on the channel.
    case accept(headers: HTTPHeaders, install: @Sendable (Channel) throws -> Void)
}
