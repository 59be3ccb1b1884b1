import NIOCore
import NIOHTTP1

/// Serves a `realtime` route: collects the (small, bounded) request body, asks the realtime
/// endpoint, and writes its answer; for an accepted WebSocket upgrade it sends the 101 and gives
/// the connection to the endpoint's WebSocket handlers.
final class RealtimeResponder: RequestResponder {
    private unowned let client: any ResponderContext
    private let endpoint: RealtimeEndpoint
    /// The request's head until it is handed to the endpoint: not kept while a long poll is held
    /// (its header fields cost each held poll about 1 KB).
    private var head: HTTPRequestHead?
    private let isHEAD: Bool
    private let isUpgrade: Bool
    private var body: ByteBuffer
    private var bodyExceededLimit = false
    private var asked = false
    private var aborted = false

    init(client: any ResponderContext, endpoint: RealtimeEndpoint, head: HTTPRequestHead, isUpgrade: Bool) {
        self.client = client
        self.endpoint = endpoint
        self.head = head
        self.isHEAD = head.method == .HEAD
        self.isUpgrade = isUpgrade
        self.body = client.allocator.buffer(capacity: 0)
    }

    func requestBodyPart(_ buffer: ByteBuffer) {
        guard !self.asked else { return }
        var buffer = buffer
        guard self.body.readableBytes + buffer.readableBytes <= self.endpoint.maxRequestBodyBytes else {
            // The endpoint answers (and, for Engine.IO, closes the session); the rest of the body
            // is not read, so the connection closes after the answer.
            self.bodyExceededLimit = true
            self.ask()
            return
        }
        self.body.writeBuffer(&buffer)
    }

    func requestEnd(trailers: HTTPHeaders?) {
        self.ask()
    }

    private func ask() {
        guard !self.asked, let head = self.head else { return }
        self.asked = true
        self.head = nil
        let request = RealtimeRequest(
            head: head, body: self.body, bodyExceededLimit: self.bodyExceededLimit,
            clientAddress: self.client.clientAddress, scheme: self.scheme(of: head),
            eventLoop: self.client.eventLoop,
            connectionClosed: self.client.closeFuture
        )
        self.body = ByteBuffer()
        let loop = self.client.eventLoop
        if self.isUpgrade {
            self.endpoint.upgrade(request).hop(to: loop).assumeIsolated().whenComplete { result in
                guard !self.aborted else { return }
                switch result {
                case .success(.accept(let headers, let install)):
                    self.acceptUpgrade(headers: headers, install: install)
                case .success(.refuse(let response)):
                    self.send(response)
                case .failure:
                    self.client.failRequest(status: .internalServerError)
                }
            }
        } else {
            self.endpoint.respond(to: request).hop(to: loop).assumeIsolated().whenComplete { result in
                guard !self.aborted else { return }
                switch result {
                case .success(let response):
                    self.send(response)
                case .failure:
                    self.client.failRequest(status: .internalServerError)
                }
            }
        }
    }

    /// The scheme the client used: the connection's, or the `X-Forwarded-Proto` of a trusted
    /// proxy (a TLS-terminating load balancer, or another node of the cluster passing on a
    /// session's request), so that the origin check compares the origin the browser saw.
    private func scheme(of head: HTTPRequestHead) -> String {
        guard self.client.loop.trustedProxies.contains(self.client.clientAddress),
            let list = head.headers.first(name: "x-forwarded-proto"),
            case let forwarded = list.prefix(while: { $0 != "," }).trimmingHTTPWhitespace().lowercased(),
            forwarded == "https" || forwarded == "http"
        else { return self.client.peer.scheme }
        return forwarded
    }

    func clientBecameWritable() {}

    func abort() {
        self.aborted = true
    }

    private func send(_ response: RealtimeResponse) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        self.client.sendHead(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))
        if !self.isHEAD && response.body.readableBytes > 0 {
            self.client.sendBody(.byteBuffer(response.body))
        }
        self.client.finishResponse()
    }

    private func acceptUpgrade(headers: HTTPHeaders, install: @Sendable (Channel) throws -> Void) {
        self.client.sendHead(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))
        self.client.flush()
        do {
            try self.client.handOver(to: install)
        } catch {
            self.client.loop.logger.warning("could not set up WebSocket", metadata: ["error": "\(error)"])
        }
    }
}
