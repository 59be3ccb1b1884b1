import NIOCore
import NIOHTTP1
import ZenithConfig

/// Forwards one request to an upstream and its response back, streaming both bodies: reads from
/// one side are held back while the other side's socket cannot take more (explicit backpressure
/// on both directions), and nothing is buffered beyond what one read brings in.
///
/// Both channels live on the same event loop, so no lock is needed. What happens next is decided
/// by a `ProxyExchangeStateMachine`; this class performs it. A request whose connection the
/// backend closed before answering is retried once on a new one when that is safe
/// (`UpstreamRetryRule`); when it still gets no answer, the 502 is logged with why. After a 101
/// answer to an Upgrade the two sockets become a byte tunnel. On an `inject=` route, HTML pages
/// get the route's script tag on their way through.
final class ProxyExchange: RequestResponder, UpstreamConnectionDelegate {
    private let client: any ResponderContext
    private let pool: UpstreamPool
    private let route: ActiveRoutes.Entry
    private let requestHead: HTTPRequestHead
    private let framing: RequestFraming
    private let expectsContinue: Bool
    private let isUpgrade: Bool
    /// The status a failure before the response head is answered with, instead of the error
    /// page's own (502, 503, 504); nil keeps those.
    private let failureStatus: HTTPResponseStatus?

    private var machine: ProxyExchangeStateMachine
    /// The upstream connection while the machine is attached.
    private var connection: UpstreamConnection?
    private var requestSentAt: NIODeadline?
    private var injection = ScriptInjection.passThrough

    init(
        client: any ResponderContext, pool: UpstreamPool, route: ActiveRoutes.Entry, head: HTTPRequestHead,
        framing: RequestFraming, expectsContinue: Bool, isUpgrade: Bool, failureStatus: HTTPResponseStatus? = nil
    ) {
        self.failureStatus = failureStatus
        self.client = client
        self.pool = pool
        self.route = route
        self.requestHead = head
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.isUpgrade = isUpgrade
        self.machine = ProxyExchangeStateMachine(method: head.method, isUpgrade: isUpgrade)
    }

    func start() {
        if let connection = self.pool.leaseIdle(for: .client) {
            self.leaseEnded(.leased, connection: connection, reused: true)
        } else {
            self.connectNew()
        }
    }

    private func connectNew() {
        self.pool.leaseNew(for: .client) { result in
            switch result {
            case .success(let connection):
                self.leaseEnded(.leased, connection: connection, reused: false)
            case .failure(UpstreamPool.Failure.busy):
                self.leaseEnded(.busy)
            case .failure:
                self.leaseEnded(.failed)
            }
        }
    }

    /// `reused`: the connection came from the pool's idle ones.
    private func leaseEnded(
        _ result: ProxyExchangeStateMachine.LeaseResult, connection: UpstreamConnection? = nil, reused: Bool = false
    ) {
        switch self.machine.leaseEnded(result) {
        case .attach(let attachment):
            if let connection {
                self.attach(connection, sending: attachment, reused: reused)
            }
        case .giveBack:
            // The client went away meanwhile: the unused connection goes back as it came.
            if let connection { self.pool.release(connection, reusable: true) }
        case .fail(let status):
            self.client.failRequest(status: self.failureStatus ?? status)
        case .ignore:
            break
        }
    }

    private func attach(_ connection: UpstreamConnection, sending attachment: ProxyExchangeStateMachine.Attachment, reused: Bool) {
        self.connection = connection
        connection.delegate = self
        let server = self.pool.configuration.servers[connection.serverIndex]
        let forwarding = ForwardedRequestHead(
            client: self.client.peer,
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
        for part in attachment.pendingBody {
            connection.sendBody(part)
        }
        if attachment.sendEnd {
            connection.sendEnd()
        }
        // Flushed when the client's read batch ends (`clientReadComplete`), or now if the batch is
        // long over: a framing error later in the same batch then aborts before a byte of this
        // request leaves.
        if self.client.requestComplete || !attachment.pendingBody.isEmpty || !reused {
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
        switch self.machine.requestBodyPart(buffer) {
        case .send:
            guard let connection = self.connection else { return }
            connection.sendBody(buffer)
            if !connection.isWritable {
                self.client.pauseReading()
            }
        case .hold:
            self.client.pauseReading()
        case .drop:
            break
        }
    }

    func requestEnd(trailers: HTTPHeaders?) {
        if self.machine.requestEnd() == .send {
            self.connection?.sendEnd()
        }
    }

    func clientReadComplete() {
        self.connection?.flush()
    }

    func upstreamBecameWritable() {
        self.client.resumeReading()
    }

    // MARK: Upstream → client

    func upstreamResponsePart(_ part: HTTPClientResponsePart) {
        guard let connection = self.connection else { return }
        switch part {
        case .head(let head):
            connection.responseDeadline?.disarm()
            if let sentAt = self.requestSentAt {
                let elapsed = NIODeadline.now() - sentAt
                self.client.recordUpstreamTime(elapsed)
                self.pool.metrics.recordResponseTime(elapsed)
            }
            switch self.machine.responseHead(status: head.status, keepAlive: connection.responseKeepsAlive) {
            case .forward:
                // The decoder left the hop-by-hop fields out already.
                if let source = self.route.rule.options.inject {
                    self.client.sendHead(self.prepareInjection(of: source, into: head))
                } else {
                    self.client.sendHead(head)
                }
            case .fail(let status):
                self.closeConnection()
                self.client.failRequest(status: self.failureStatus ?? status)
            case .ignore:
                break
            }
        case .body(let buffer):
            self.injection.process(buffer) { self.client.sendBody(.byteBuffer($0)) }
            if !self.client.isWritable {
                connection.pauseReading()
            }
        case .end:
            switch self.machine.responseEnd() {
            case .tunnel:
                self.connection = nil
                // Leave the decoder's call stack before taking the pipelines apart.
                self.client.eventLoop.assumeIsolated().execute {
                    self.pool.detach(connection)
                    TunnelSwitch.connect(client: self.client, upstream: connection, idleTimeout: self.responseTimeout)
                }
            case .release(let reusable):
                self.connection = nil
                self.pool.release(connection, reusable: reusable)
                self.injection.finish { self.client.sendBody(.byteBuffer($0)) }
                self.client.finishResponse()
            case .ignore:
                break
            }
        }
    }

    /// Decides whether this response gets the script tag of the route's `inject=` option, readies
    /// `injection` if so, and returns the head to send.
    private func prepareInjection(of source: String, into head: HTTPResponseHead) -> HTTPResponseHead {
        let decision = ScriptInjectionDecision(
            method: self.requestHead.method, fetchedByScript: ScriptInjectionDecision.isFetchedByScript(self.requestHead),
            response: head, tagLength: ScriptInjection.tagLength(source: source)
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
        self.connection?.resumeReading()
    }

    func upstreamClosed(error: Error?) {
        switch self.machine.upstreamClosed(error: error) {
        case .retry:
            self.connection = nil
            self.connectNew()
        case .failUnanswered(let status, let attempts):
            self.logUnanswered(attempts: attempts, error: error)
            self.closeConnection()
            self.client.failRequest(status: self.failureStatus ?? status)
        case .fail(let status):
            self.closeConnection()
            self.client.failRequest(status: self.failureStatus ?? status)
        case .ignore:
            break
        }
    }

    private func logUnanswered(attempts: Int, error: Error?) {
        let server = self.connection.map { self.pool.configuration.servers[$0.serverIndex].description } ?? "-"
        self.client.loop.logger.warning(
            "upstream closed before answering",
            metadata: [
                "upstream": "\(self.pool.configuration.name)", "server": "\(server)",
                "uri": "\(self.requestHead.uri.requestPath)", "attempts": "\(attempts)",
                "error": "\(error.map { "\($0)" } ?? "connection closed")",
            ]
        )
    }

    // MARK: Ending

    func abort() {
        if self.machine.finish() {
            self.closeConnection()
        }
    }

    /// How long the backend may take to start its answer; also how long a tunnel may sit idle.
    private var responseTimeout: Duration {
        self.route.rule.options.timeout ?? self.pool.configuration.responseTimeout
    }

    func upstreamTimedOut() {
        guard self.machine.responseTimedOut() else { return }
        self.closeConnection()
        self.client.loop.logger.warning(
            "upstream response timeout",
            metadata: ["upstream": "\(self.pool.configuration.name)", "uri": "\(self.requestHead.uri.requestPath)"]
        )
        self.client.failRequest(status: self.failureStatus ?? .gatewayTimeout)
    }

    /// Closes the upstream connection in the middle of its exchange (never pooled).
    private func closeConnection() {
        self.connection?.close()
        self.connection = nil
    }
}
