import NIOCore
import NIOHTTP1
import ZenithConfig

/// Forwards one request to an upstream and its response back, streaming both bodies: reads from
/// one side are held back while the other side's socket cannot take more (explicit backpressure
/// on both directions), and nothing is buffered beyond what one read brings in.
///
/// Both channels live on the same event loop, so no lock is needed. A request that meets a reused
/// connection the backend had closed is retried once on a new one when that is safe (idempotent
/// method, no body sent). After a 101 answer to an Upgrade the two sockets become a byte tunnel.
/// On an `inject=` route, HTML pages get the route's script tag on their way through.
final class ProxyExchange: RequestResponder, UpstreamConnectionDelegate {
    private enum UpstreamState {
        case waiting
        case attached(UpstreamConnection)
        case finished
    }

    private let client: ClientConnectionHandler
    private let pool: UpstreamPool
    private let route: ActiveRoutes.Entry
    private let requestHead: HTTPRequestHead
    private let framing: RequestFraming
    private let expectsContinue: Bool
    private let isUpgrade: Bool

    private var upstream = UpstreamState.waiting
    /// Body parts read before an upstream connection was attached (an empty array allocates nothing).
    private var pendingBody: [ByteBuffer] = []
    /// The request's end was read before an upstream connection was attached.
    private var pendingEnd = false
    private var requestForwarded = false
    private var bodyBytesSent = false
    private var connectionWasReused = false
    private var retried = false
    private var responseHeadReceived = false
    private var upgradeAccepted = false
    private var upstreamKeepAlive = false
    private var requestSentAt: NIODeadline?
    private var injection = ScriptInjection.passThrough

    init(
        client: ClientConnectionHandler, pool: UpstreamPool, route: ActiveRoutes.Entry, head: HTTPRequestHead,
        framing: RequestFraming, expectsContinue: Bool, isUpgrade: Bool
    ) {
        self.client = client
        self.pool = pool
        self.route = route
        self.requestHead = head
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.isUpgrade = isUpgrade
    }

    func start() {
        if let connection = self.pool.leaseIdle(for: .client) {
            self.attach(connection, reused: true)
        } else {
            self.connectNew()
        }
    }

    private func connectNew() {
        self.pool.leaseNew(for: .client) { result in
            guard case .waiting = self.upstream else {
                // The client went away meanwhile: the unused connection goes back as it came.
                if case .success(let connection) = result { self.pool.release(connection, reusable: true) }
                return
            }
            switch result {
            case .success(let connection):
                self.attach(connection, reused: false)
            case .failure(let error):
                if case .busy? = error as? UpstreamPool.Failure {
                    self.fail(.serviceUnavailable)
                } else {
                    self.fail(.badGateway)
                }
            }
        }
    }

    private func attach(_ connection: UpstreamConnection, reused: Bool) {
        self.upstream = .attached(connection)
        self.connectionWasReused = reused
        connection.delegate = self
        let server = self.pool.configuration.servers[connection.serverIndex]
        let forwarding = ForwardedRequestHead(
            client: self.client.forwardingClient,
            clientIsTrusted: self.client.loop.trustedProxies.contains(self.client.clientAddress),
            preserveHost: self.route.rule.options.preserveHost ?? self.client.loop.configuration.proxy.preserveHost,
            server: server,
            identityEncoding: self.route.rule.options.inject != nil && ScriptInjectionDecision.asksForPage(self.requestHead)
        )
        var head = connection.allocator.buffer(capacity: 512 + self.requestHead.uri.utf8.count)
        forwarding.write(self.requestHead, framing: self.framing, upgrade: self.isUpgrade, into: &head)
        connection.sendHead(head, method: self.requestHead.method, chunked: self.framing.chunked)
        if self.expectsContinue && !self.client.requestComplete {
            self.client.sendHead(HTTPResponseHead(version: .http1_1, status: .continue))
        }
        for part in self.pendingBody {
            connection.sendBody(part)
            self.bodyBytesSent = true
        }
        self.pendingBody.removeAll()
        if self.pendingEnd {
            connection.sendEnd()
            self.requestForwarded = true
        }
        // Flushed when the client's read batch ends (`clientReadComplete`), or now if the batch is
        // long over: a framing error later in the same batch then aborts before a byte of this
        // request leaves.
        if self.client.requestComplete || !self.pendingBody.isEmpty || !self.connectionWasReused {
            connection.flush()
        }
        self.requestSentAt = .now()
        connection.responseDeadline?.arm(TimeAmount(self.responseTimeout))
        if connection.isWritable {
            self.client.resumeReading()
        } else {
            self.client.pauseReading()
        }
    }

    // MARK: Client → upstream

    func requestBodyPart(_ buffer: ByteBuffer) {
        switch self.upstream {
        case .attached(let connection):
            connection.sendBody(buffer)
            self.bodyBytesSent = true
            if !connection.isWritable {
                self.client.pauseReading()
            }
        case .waiting:
            self.pendingBody.append(buffer)
            self.client.pauseReading()
        case .finished:
            break
        }
    }

    func requestEnd(trailers: HTTPHeaders?) {
        switch self.upstream {
        case .attached(let connection):
            connection.sendEnd()
            self.requestForwarded = true
        case .waiting:
            self.pendingEnd = true
        case .finished:
            break
        }
    }

    func clientReadComplete() {
        if case .attached(let connection) = self.upstream {
            connection.flush()
        }
    }

    func upstreamBecameWritable() {
        self.client.resumeReading()
    }

    // MARK: Upstream → client

    func upstreamResponsePart(_ part: HTTPClientResponsePart) {
        guard case .attached(let connection) = self.upstream else { return }
        switch part {
        case .head(let head):
            connection.responseDeadline?.disarm()
            self.responseHeadReceived = true
            if let sentAt = self.requestSentAt {
                let elapsed = NIODeadline.now() - sentAt
                self.client.recordUpstreamTime(elapsed)
                self.pool.responseTimer.recordNanoseconds(elapsed.nanoseconds)
            }
            if head.status == .switchingProtocols {
                guard self.isUpgrade else {
                    self.fail(.badGateway)
                    return
                }
                self.upgradeAccepted = true
            }
            self.upstreamKeepAlive = connection.responseKeepsAlive
            // The decoder left the hop-by-hop fields out already.
            if let source = self.route.rule.options.inject {
                self.client.sendHead(self.prepareInjection(of: source, into: head))
            } else {
                self.client.sendHead(head)
            }
        case .body(let buffer):
            self.injection.process(buffer) { self.client.sendBody(.byteBuffer($0)) }
            if !self.client.isWritable {
                connection.pauseReading()
            }
        case .end:
            if self.upgradeAccepted {
                self.upstream = .finished
                // Leave the decoder's call stack before taking the pipelines apart.
                self.client.eventLoop.assumeIsolated().execute {
                    self.pool.detach(connection)
                    TunnelSwitch.connect(client: self.client, upstream: connection, idleTimeout: self.responseTimeout)
                }
                return
            }
            self.upstream = .finished
            // A backend that answered before it had the whole body cannot be reused, and neither
            // can one answering an Upgrade it refused (it may still switch protocols later).
            let reusable = self.upstreamKeepAlive && self.requestForwarded && !self.isUpgrade
            self.pool.release(connection, reusable: reusable)
            self.injection.finish { self.client.sendBody(.byteBuffer($0)) }
            self.client.finishResponse()
        }
    }

    /// Decides whether this response gets the script tag of the route's `inject=` option, readies
    /// `injection` if so, and returns the head to send.
    private func prepareInjection(of source: String, into head: HTTPResponseHead) -> HTTPResponseHead {
        let decision = ScriptInjectionDecision(
            method: self.requestHead.method, response: head, tagLength: ScriptInjection.tagLength(source: source)
        )
        switch decision {
        case .inject(let adjusted):
            self.injection = ScriptInjection(source: source, allocator: self.client.allocator)
            self.client.loop.metrics.countInjection()
            return adjusted
        case .skipEncoded:
            self.client.loop.metrics.countInjectionSkippedEncoded()
            return head
        case .leave:
            return head
        }
    }

    func upstreamReadComplete() {
        self.client.flush()
    }

    func clientBecameWritable() {
        if case .attached(let connection) = self.upstream {
            connection.resumeReading()
        }
    }

    func upstreamClosed(error: Error?) {
        guard case .attached = self.upstream else { return }
        // A malformed answer would only come again: it is a 502 at once.
        if !self.responseHeadReceived && self.mayRetry && !(error is UpstreamResponseDecoder.Failure) {
            self.retried = true
            self.upstream = .waiting
            self.connectNew()
            return
        }
        self.fail(.badGateway)
    }

    /// A reused connection that died before any answer was probably closed by the backend while
    /// idle; sending again is safe only when the request can be repeated and nothing of its body
    /// was consumed.
    private var mayRetry: Bool {
        guard self.connectionWasReused, !self.retried, !self.bodyBytesSent else { return false }
        switch self.requestHead.method {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE: return true
        default: return false
        }
    }

    // MARK: Ending

    func abort() {
        if case .attached(let connection) = self.upstream {
            connection.close()
        }
        self.upstream = .finished
    }

    /// How long the backend may take to start its answer; also how long a tunnel may sit idle.
    private var responseTimeout: Duration {
        self.route.rule.options.timeout ?? self.pool.configuration.responseTimeout
    }

    func upstreamTimedOut() {
        guard case .attached(let connection) = self.upstream, !self.responseHeadReceived else { return }
        connection.close()
        self.upstream = .finished
        self.client.loop.logger.warning(
            "upstream response timeout",
            metadata: ["upstream": "\(self.pool.configuration.name)", "uri": "\(self.requestHead.uri.requestPath)"]
        )
        self.client.failRequest(status: .gatewayTimeout)
    }

    /// The request cannot be answered by the backend: an error page if nothing was sent yet,
    /// otherwise the client connection is cut (the only way left to signal a broken body).
    private func fail(_ status: HTTPResponseStatus) {
        if case .attached(let connection) = self.upstream {
            connection.close()
        }
        self.upstream = .finished
        self.client.failRequest(status: status)
    }
}
