import NIOCore
import NIOHTTP1

/// Zenith's own requests to an upstream (auth probes, watcher polls), sent over the same
/// keep-alive pools as proxied requests. Responses are small and collected whole (bounded).
public struct UpstreamClient: Sendable {
    /// A request of Zenith's own: no body, headers as given (Host is the server's unless set).
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var uri: String
        public var headers: HTTPHeaders

        public init(method: HTTPMethod = .GET, uri: String, headers: HTTPHeaders) {
            self.method = method
            self.uri = uri
            self.headers = headers
        }
    }

    /// The upstream's whole answer.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
    }

    /// Why no response came back.
    public enum Failure: Error, Sendable, Equatable {
        case unknownUpstream(String)
        case unavailable
        case timedOut
        case responseTooLarge
    }

    let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    let fallbackLoop: EventLoop

    /// Sends `request` to `upstream` from `eventLoop` (one of the proxy's; another falls back to
    /// the first), waiting at most `timeout` for the whole response.
    public func send(
        _ request: Request, to upstream: String, timeout: Duration, maxResponseBytes: Int = 1 << 20,
        on eventLoop: EventLoop? = nil
    ) -> EventLoopFuture<Response> {
        let loop = eventLoop.flatMap { self.contexts[ObjectIdentifier($0)] }?.eventLoop ?? self.fallbackLoop
        guard let context = self.contexts[ObjectIdentifier(loop)] else {
            return loop.makeFailedFuture(Failure.unavailable)
        }
        return loop.flatSubmit {
            guard let pool = context.value.pool(named: upstream) else {
                return loop.makeFailedFuture(Failure.unknownUpstream(upstream))
            }
            let promise = loop.makePromise(of: Response.self)
            UpstreamFetch(
                pool: pool, request: request, timeout: timeout, maxResponseBytes: maxResponseBytes, promise: promise
            ).start()
            return promise.futureResult
        }
    }
}
