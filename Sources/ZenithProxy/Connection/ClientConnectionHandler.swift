import Logging
import NIOCore
import NIOHTTP1
import ZenithConfig

/// The last handler of a client's HTTP/1.1 pipeline: routes each request head, hands the request to
/// a `RequestResponder`, and writes that responder's response with keep-alive, body limits, read
/// backpressure and the access log taken care of here, once, for every kind of route.
///
/// Its `PipelinedRequestQueue` holds pipelined requests back until the response before them has
/// ended, so only one request is ever in flight. Nothing more is read while the client does not
/// take what it is sent, whatever answers it (so a client that pipelines requests and reads no
/// answer costs a bounded amount of memory), and a client that takes no bytes for
/// `send_timeout`, or sends none of an announced body for `body_timeout`, loses its connection
/// and whatever backend connection serves it.
final class ClientConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for the next request head.
        case idle
        /// A request is being answered by this responder.
        case responding(RequestResponder)
        /// The connection is being closed or handed over to a tunnel; nothing more is read.
        case closed
    }

    let loop: LoopContext
    let transport: ClientTransport
    /// Set while the handler is in the pipeline: dropped in `handlerRemoved`, since the context
    /// holds this handler and a kept context would keep both alive after the connection is gone.
    private var context: ChannelHandlerContext?
    /// The client's channel (which outlives the pipeline's handlers), for responders that hand
    /// the connection over or watch it close.
    private(set) var channel: Channel!
    private(set) var clientAddress: SocketAddress?
    /// The client's IP as text, made once per connection (forwarding headers, logs).
    private(set) lazy var clientIP: String = self.clientAddress?.ipAddress ?? "unknown"
    /// The client as the forwarding headers describe it, made once per connection.
    private(set) lazy var forwardingClient = ForwardedRequestHead.Client(ip: self.clientIP, scheme: self.transport.scheme)
    private var state = State.idle
    private(set) var summary: RequestSummary?

    /// Per request: the request's end has been received.
    private(set) var requestComplete = false
    /// Per request: a response head has been written.
    private(set) var responseStarted = false
    private var keepAlive = true
    private var bodyLimit: Int64 = 0
    /// Per request: its head announced a body (Content-Length above 0, or chunked).
    private var requestHasBody = false
    private var bodyReceived: Int64 = 0

    private var pipelined = PipelinedRequestQueue()
    private var readsPaused = false
    private var readPending = false
    /// Header timeout for a new connection, keep-alive timeout between requests.
    private var idleDeadline: LazyDeadline?
    /// What a client must send of a request body within one `body_timeout` to count as slow
    /// rather than stalled: one that trickles a byte a second would otherwise hold a backend
    /// connection for ever. (What a client takes is seen only as the kernel takes bytes from
    /// Zenith, in steps of half a socket buffer: there any step counts, as in nginx.)
    static let minimumProgressBytes = 1024
    /// Armed while a request body is expected: `body_timeout`.
    private var bodyDeadline: LazyDeadline?
    /// `bodyReceived` when `bodyDeadline` was last armed.
    private var bodyReceivedWhenArmed: Int64 = 0
    /// Armed while the client is not taking what it is sent: `send_timeout`.
    private var sendDeadline: LazyDeadline?
    /// Bytes the socket still had to send when `sendDeadline` was armed, and bytes written since;
    /// nil where the channel cannot tell (an HTTP/2 stream), and then only writability counts.
    private var unsentWhenSendDeadlineArmed: Int?
    private var writtenSinceSendDeadlineArmed = 0

    init(loop: LoopContext, transport: ClientTransport) {
        self.loop = loop
        self.transport = transport
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.channel = context.channel
        self.isWritable = context.channel.isWritable
        self.idleDeadline = LazyDeadline(eventLoop: context.eventLoop) {
            guard case .idle = self.state else { return }
            self.state = .closed
            self.context?.close(promise: nil)
        }
        self.bodyDeadline = LazyDeadline(eventLoop: context.eventLoop) { self.bodyDeadlinePassed() }
        self.sendDeadline = LazyDeadline(eventLoop: context.eventLoop) { self.sendDeadlinePassed() }
        if context.channel.isActive {
            self.connectionBecameActive(context: context)
        }
    }

    /// Also when the pipeline is torn down without the channel ever having been active: the
    /// deadline's callback holds this handler.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelDeadlines()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectionBecameActive(context: context)
        context.fireChannelActive()
    }

    private func connectionBecameActive(context: ChannelHandlerContext) {
        guard self.clientAddress == nil else { return }
        self.loop.metrics.clientConnection(self.transport.metricsLabel).increment()
        self.clientAddress = context.channel.remoteAddress
        self.armIdleTimer(self.loop.configuration.limits.headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancelDeadlines()
        if self.clientAddress != nil {
            self.loop.metrics.clientConnection(self.transport.metricsLabel).decrement()
        }
        if case .responding(let responder) = self.state {
            self.state = .closed
            responder.abort()
            self.logAccess(aborted: true)
        }
        self.state = .closed
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch self.pipelined.arrived(part) {
        case .deliver:
            self.handle(part)
        case .hold:
            break
        case .overflow:
            // One read can hold hundreds of tiny pipelined requests; more than this waiting at
            // once is not a browser, and would otherwise all be held in memory.
            context.close(promise: nil)
        }
    }

    private func handle(_ part: HTTPServerRequestPart) {
        // After a response that closes the connection, requests pipelined behind it are not served.
        if case .closed = self.state { return }
        switch part {
        case .head(let head):
            self.requestHeadReceived(head)
        case .body(let buffer):
            self.requestBodyReceived(buffer)
        case .end(let trailers):
            self.requestComplete = true
            self.bodyDeadline?.disarm()
            if case .responding(let responder) = self.state {
                responder.requestEnd(trailers: trailers)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.readBatchEnded()
        context.fireChannelReadComplete()
    }

    private func readBatchEnded() {
        if case .responding(let responder) = self.state {
            responder.clientReadComplete()
        }
    }

    /// Hands the requests that waited behind the response just ended to this handler, up to the
    /// next one that must wait, and reads again once none waits.
    private func releasePipelinedRequests() {
        self.pipelined.releaseStarted()
        guard let channel = self.channel, channel.isActive else { return }
        while let part = self.pipelined.nextReleased() {
            self.handle(part)
        }
        self.readBatchEnded()
        self.readIfPending()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.isWritable = context.channel.isWritable
        if self.isWritable {
            self.sendDeadline?.disarm()
            if case .responding(let responder) = self.state {
                responder.clientBecameWritable()
            }
            self.readIfPending()
        } else {
            self.armSendDeadline()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let parserError = error as? HTTPParserError {
            if parserError == .closedConnection && !self.keepAlive {
                // Bytes after a `Connection: close` request, which the server does not read
                // (RFC 9112 §9.6): the request in progress is answered, then the connection closes.
                return
            }
            let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            self.loop.logger.info(
                "rejected malformed request",
                metadata: ["client": "\(self.clientIP)", "error": "\(parserError)"]
            )
            self.failRequest(status: status)
        } else {
            if case .responding(let responder) = self.state {
                self.state = .closed
                responder.abort()
            }
            self.state = .closed
            context.close(promise: nil)
        }
    }

    /// A drain: an idle connection closes now, a busy one after the response in progress.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.keepAlive = false
        if case .idle = self.state {
            self.state = .closed
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.readsPaused || self.pipelined.holdsReads || !self.isWritable {
            self.readPending = true
        } else {
            context.read()
        }
    }

    private func readIfPending() {
        guard self.readPending, !self.readsPaused, !self.pipelined.holdsReads, self.isWritable else { return }
        self.readPending = false
        self.context?.read()
    }

    // MARK: Request intake

    private func requestHeadReceived(_ head: HTTPRequestHead) {
        self.idleDeadline?.disarm()
        self.requestComplete = false
        self.responseStarted = false
        self.bodyReceived = 0
        self.keepAlive = head.isKeepAlive
        self.summary = RequestSummary(method: head.method, uri: head.uri, version: head.version, startedAt: .now())

        let fields = RequestHeadFields.read(head)
        self.summary?.accept = fields.accept
        switch fields.framingProblem {
        case nil where head.method == .TRACE && fields.framing.hasBody:
            // RFC 9110 §9.3.8: TRACE has no content, and NIO's encoder would send one unframed.
            self.loop.logger.info(
                "rejected request framing", metadata: ["client": "\(self.clientIP)", "reason": "TRACE with a body"]
            )
            self.failRequest(status: .badRequest)
            return
        case nil:
            // HTTP/2 streams come through NIO's codec, which frames a POST/PUT/PATCH body without
            // a length as chunked and leaves other methods without framing.
            self.requestHasBody = fields.framing.hasBody
            if self.requestHasBody {
                self.armBodyDeadline()
            }
        case let problem?:
            self.loop.logger.info(
                "rejected request framing",
                metadata: ["client": "\(self.clientIP)", "reason": "\(problem)"]
            )
            self.failRequest(status: .badRequest)
            return
        }

        // llhttp stops parsing after a request that asks for an upgrade (or CONNECT), so unless the
        // answer is a 101 the connection cannot carry another request.
        let upgradeProtocol = fields.upgrade.flatMap {
            HopByHopHeaders(of: head.headers).requestsUpgrade ? $0 : nil
        }
        if upgradeProtocol != nil {
            self.keepAlive = false
        }
        // Only WebSocket may switch protocols: an `h2c` upgrade reaching the backend would let the
        // client talk to it past Zenith's routes and limits.
        let isUpgrade = upgradeProtocol?.trimmingHTTPWhitespace().equalsIgnoringASCIICase("websocket") ?? false
        if head.method == .CONNECT {
            self.keepAlive = false
            self.start(LocalResponder.errorPage(.methodNotAllowed, for: self, answerBeforeBody: true))
            return
        }
        let framing = fields.framing

        let target: RequestTarget
        do {
            target = try RequestTarget(head.uri, host: fields.host)
        } catch {
            self.loop.logger.info(
                "rejected request target", metadata: ["client": "\(self.clientIP)", "reason": "\(error)"]
            )
            self.failRequest(status: .badRequest)
            return
        }
        var head = head
        if target.originForm.startIndex != head.uri.startIndex {
            head.uri = String(target.originForm)  // An absolute-form target goes on in origin form.
        }
        let path = target.routingPath
        guard let route = self.loop.routes.match(host: fields.host, path: path)
        else {
            self.start(LocalResponder.errorPage(.notFound, for: self))
            return
        }
        self.summary?.route = route
        self.bodyLimit = route.rule.options.bodyBytes ?? self.loop.configuration.limits.bodyBytes
        if let declared = framing.contentLength, declared > self.bodyLimit {
            self.keepAlive = false
            self.start(LocalResponder.errorPage(.payloadTooLarge, for: self, answerBeforeBody: true))
            return
        }
        self.start(RouteDispatcher.responder(
                for: route, head: head, framing: framing, path: path, isUpgrade: isUpgrade,
                expectsContinue: fields.expectsContinue, client: self
            ))
    }

    private func start(_ responder: RequestResponder) {
        self.state = .responding(responder)
        responder.start()
    }

    private func requestBodyReceived(_ buffer: ByteBuffer) {
        guard case .responding(let responder) = self.state else { return }
        guard self.requestHasBody else {
            // Only HTTP/2 can get here (DATA on a GET, DELETE...): forwarded without framing, the
            // bytes would be read upstream as another request.
            self.loop.logger.info(
                "rejected request framing", metadata: ["client": "\(self.clientIP)", "reason": "body without framing"]
            )
            self.failRequest(status: .badRequest)
            return
        }
        self.bodyReceived += Int64(buffer.readableBytes)
        if self.bodyReceived > self.bodyLimit {
            self.loop.logger.info(
                "request body above limit",
                metadata: ["client": "\(self.clientIP)", "limit": "\(self.bodyLimit)"]
            )
            self.failRequest(status: .payloadTooLarge)
            return
        }
        responder.requestBodyPart(buffer)
    }

    /// Ends the current request with an error status (or just closes if a response already started)
    /// and closes the connection: used for bad framing and limits, where the rest of the byte stream
    /// can no longer be trusted.
    func failRequest(status: HTTPResponseStatus) {
        if case .responding(let responder) = self.state {
            self.state = .closed
            responder.abort()
        }
        self.state = .closed
        self.idleDeadline?.cancel()
        self.bodyDeadline?.cancel()
        guard let context = self.context else { return }
        guard !self.responseStarted, context.channel.isActive else {
            self.logAccess(aborted: true)
            context.close(promise: nil)
            return
        }
        let page = ErrorPage(status: status, prefersJSON: self.summary?.prefersJSON ?? false)
        var head = page.head(version: .http1_1)
        if self.transport != .http2 {
            head.headers.add(name: "connection", value: "close")
        }
        self.summary?.status = status.code
        self.summary?.responseBodyBytes = page.body.readableBytes
        self.logAccess(aborted: false)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if self.summary?.method != .HEAD {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(page.body))), promise: nil)
        }
        self.closeAfterWriting(.end(nil), context: context)
    }

    /// Writes `part`, the last one, and closes once it is sent; a client that takes none of it
    /// for `send_timeout` is cut off then.
    private func closeAfterWriting(_ part: HTTPServerResponsePart, context: ChannelHandlerContext) {
        self.armSendDeadline()
        context.writeAndFlush(self.wrapOutboundOut(part)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Response output, used by responders

    /// The client's socket (or HTTP/2 stream) takes more bytes now: read when the handler is added,
    /// then kept from writability events, so that a responder's check per body part costs no trip
    /// through the channel.
    private(set) var isWritable = true
    var allocator: ByteBufferAllocator { self.channel.allocator }
    var eventLoop: EventLoop { self.loop.eventLoop }

    /// Writes the response head, adding `Connection: close` when this connection will not be kept.
    func sendHead(_ head: HTTPResponseHead) {
        var head = head
        if head.status == .continue {
            self.context?.writeAndFlush(self.wrapOutboundOut(.head(head)), promise: nil)
            return
        }
        if head.status == .switchingProtocols {
            self.responseStarted = true
            self.summary?.status = head.status.code
            self.context?.write(self.wrapOutboundOut(.head(head)), promise: nil)
            return
        }
        self.responseStarted = true
        self.summary?.status = head.status.code
        if case .http2 = self.transport {
            // Each request is its own stream: no connection headers (forbidden in HTTP/2).
            self.keepAlive = true
            self.context?.write(self.wrapOutboundOut(.head(head)), promise: nil)
            return
        }
        let isHTTP10 = self.summary?.version == .http1_0
        // The encoder frames an unsized body as chunked for HTTP/1.1 only; an HTTP/1.0 client
        // gets the bare body and finds its end by the close.
        let version: HTTPVersion = isHTTP10 ? .http1_0 : .http1_1
        if head.version != version {
            head.version = version  // Only when it differs: the setter copies the head's storage.
        }
        if isHTTP10 && !head.headers.contains(name: "content-length") {
            self.keepAlive = false
        }
        if !self.keepAlive || !self.requestComplete {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            self.keepAlive = false
        } else if isHTTP10 {
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        self.context?.write(self.wrapOutboundOut(.head(head)), promise: nil)
    }

    func sendBody(_ data: IOData, promise: EventLoopPromise<Void>? = nil) {
        self.summary?.responseBodyBytes += data.readableBytes
        guard let context = self.context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if !self.isWritable {
            // A channel can start out unwritable (an HTTP/2 stream without window) and send no
            // writability event before its client takes something.
            self.armSendDeadline()
            self.writtenSinceSendDeadlineArmed += data.readableBytes
        }
        context.write(self.wrapOutboundOut(.body(data)), promise: promise)
    }

    func flush() {
        self.context?.flush()
    }

    func recordUpstreamTime(_ time: TimeAmount) {
        self.summary?.upstreamTime = time
    }

    /// Ends the response, logs it, and either waits for the next request or closes the connection.
    func finishResponse(trailers: HTTPHeaders? = nil) {
        guard case .responding = self.state else { return }
        self.logAccess(aborted: false)
        let closeAfter = !self.keepAlive || !self.requestComplete
        self.state = closeAfter ? .closed : .idle
        self.summary = nil
        self.resumeReading()
        guard let context = self.context else { return }
        if closeAfter {
            self.closeAfterWriting(.end(trailers), context: context)
        } else {
            context.writeAndFlush(self.wrapOutboundOut(.end(trailers)), promise: nil)
            self.armIdleTimer(self.loop.configuration.limits.keepaliveTimeout)
            if self.pipelined.responseEnded() {
                context.eventLoop.assumeIsolated().execute { self.releasePipelinedRequests() }
            }
        }
    }

    /// Stops reading from the client until `resumeReading`; a read already asked for is held back.
    func pauseReading() {
        self.readsPaused = true
    }

    func resumeReading() {
        guard self.readsPaused else { return }
        self.readsPaused = false
        self.readIfPending()
    }

    /// Gives the connection to another protocol (after a 101 has been written): the access line is
    /// written, and the HTTP handlers, this one included, leave the pipeline. The caller adds the
    /// handlers of the new protocol.
    func removeHTTPHandlers() throws {
        self.logAccess(aborted: false)
        self.state = .closed
        self.cancelDeadlines()
        guard let pipeline = self.context?.pipeline.syncOperations else { throw ChannelError.ioOnClosedChannel }
        _ = pipeline.removeHandler(self)
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTPResponseEncoder.self))
        _ = pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
    }

    // MARK: Timers and logging

    private func armIdleTimer(_ duration: Duration) {
        self.idleDeadline?.arm(TimeAmount(duration))
    }

    private func cancelDeadlines() {
        self.idleDeadline?.cancel()
        self.bodyDeadline?.cancel()
        self.sendDeadline?.cancel()
    }

    /// From now on the client has `body_timeout` to send `minimumProgressBytes` more of its body.
    private func armBodyDeadline() {
        self.bodyReceivedWhenArmed = self.bodyReceived
        self.bodyDeadline?.arm(TimeAmount(self.loop.configuration.limits.bodyTimeout))
    }

    /// `body_timeout` passed: a client that sent too little of its body meanwhile gets a 408,
    /// unless Zenith itself stopped reading (the backend or the client is slow to take the bytes
    /// already read), which is no fault of the client's.
    private func bodyDeadlinePassed() {
        guard case .responding = self.state, !self.requestComplete else { return }
        let paused = self.readsPaused || self.pipelined.holdsReads || !self.isWritable
        if paused || self.bodyReceived - self.bodyReceivedWhenArmed >= Self.minimumProgressBytes {
            self.armBodyDeadline()
            return
        }
        self.loop.metrics.countBodyTimeout()
        self.loop.logger.info(
            "request body timeout",
            metadata: ["client": "\(self.clientIP)", "received": "\(self.bodyReceived)"]
        )
        self.failRequest(status: .requestTimeout)
    }

    /// The client stopped taking bytes: from now on it has `send_timeout` to take some.
    private func armSendDeadline() {
        guard let context = self.context, let deadline = self.sendDeadline, !deadline.isArmed else { return }
        self.unsentWhenSendDeadlineArmed = self.unsentBytes(context)
        self.writtenSinceSendDeadlineArmed = 0
        deadline.arm(TimeAmount(self.loop.configuration.limits.sendTimeout))
    }

    /// Bytes written to the client's socket channel and not yet taken by the kernel; nil for an
    /// HTTP/2 stream, whose channel does not count them (and traps when asked).
    private func unsentBytes(_ context: ChannelHandlerContext) -> Int? {
        guard self.transport != .http2 else { return nil }
        return try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
    }


    /// `send_timeout` passed with the client still not taking bytes: unless the socket took some
    /// meanwhile (a slow reader, not a stalled one), the connection is cut, and with it the
    /// backend connection of the exchange in progress (closed, not pooled).
    private func sendDeadlinePassed() {
        guard let context = self.context, context.channel.isActive else { return }
        if self.isWritable, !self.isClosing { return }
        let queued = self.unsentBytes(context)
        if let queued, let before = self.unsentWhenSendDeadlineArmed,
            before + self.writtenSinceSendDeadlineArmed > queued
        {
            self.armSendDeadline()
            return
        }
        self.loop.metrics.countSendTimeout()
        self.loop.logger.warning(
            "client send timeout",
            metadata: [
                "client": "\(self.clientIP)",
                "uri": "\(self.summary?.uri.requestPath ?? "")",
                "unsent": "\(queued.map(String.init) ?? "unknown")",
            ]
        )
        if case .responding(let responder) = self.state {
            self.state = .closed
            responder.abort()
            self.logAccess(aborted: true)
        }
        self.state = .closed
        context.close(promise: nil)
    }

    /// The connection closes once what was written has been sent.
    private var isClosing: Bool {
        if case .closed = self.state { return true }
        return false
    }

    private func logAccess(aborted: Bool) {
        guard let summary = self.summary else { return }
        self.loop.metrics.countRequest(route: summary.route, status: summary.status)
        if self.loop.configuration.log.access {
            self.loop.accessLog.record(summary, client: self.clientAddress, aborted: aborted)
        }
    }
}

