import Logging
import NIOCore
import NIOHTTP1
import ZenithConfig

/// The last handler of a client's HTTP/1.1 pipeline, or one stream of an HTTP/2 connection
/// (driven by `HTTP2StreamsHandler`, and never in a pipeline): routes each request head, hands the
/// request to a `RequestResponder`, and writes that responder's response with keep-alive, body
/// limits, read backpressure and the access log taken care of here, once, for every kind of route.
/// It writes through a `DownstreamOutput`, so both kinds of connection share this code.
///
/// Its `PipelinedRequestQueue` holds pipelined requests back until the response before them has
/// ended, so only one request is ever in flight. Nothing more is read while the client does not
/// take what it is sent, whatever answers it (so a client that pipelines requests and reads no
/// answer costs a bounded amount of memory), and a client that takes no bytes for
/// `send_timeout`, or sends none of an announced body for `body_timeout`, loses its connection
/// and whatever backend connection serves it.
final class DownstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler, ResponderContext {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let loop: LoopContext
    let transport: DownstreamTransport
    /// Set while the handler is in the pipeline (or its HTTP/2 stream is open): dropped in
    /// `handlerRemoved` (or when the stream closes), since the output holds what holds this
    /// handler, and a kept output would keep both alive after the connection is gone.
    private var output: DownstreamOutput?
    /// The client's channel (which outlives the pipeline's handlers), for hand-overs.
    private var channel: Channel!
    /// The client as the forwarding headers and logs describe it: made when the connection
    /// becomes active, or given (every stream of an HTTP/2 connection shares its connection's).
    private var activePeer: DownstreamPeer?
    /// This kind of connection's open-connections gauge, looked up once.
    private var openConnections: LoopGauge?
    private var machine: DownstreamConnectionStateMachine
    /// Answers the request in progress; set while `machine` is responding.
    private var responder: RequestResponder?
    private(set) var summary: RequestSummary?

    // Each deadline is made the first time it is armed: most requests (every HTTP/2 stream has its
    // own handler) never need a body or send deadline.
    /// Header timeout for a new connection, keep-alive timeout between requests; never on an
    /// HTTP/2 stream (its head came with it, and it closes after its response).
    private var idleDeadline: LazyDeadline?
    /// Armed while a request body is expected: `body_timeout`.
    private var bodyDeadline: LazyDeadline?
    /// Armed while the client is not taking what it is sent: `send_timeout`.
    private var sendDeadline: LazyDeadline?

    init(loop: LoopContext, transport: DownstreamTransport, peer: DownstreamPeer? = nil) {
        self.loop = loop
        self.transport = transport
        self.activePeer = peer
        self.machine = DownstreamConnectionStateMachine(isHTTP2: transport == .http2, isWritable: true)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.attach(ChannelDownstreamOutput(context: context), isWritable: context.channel.isWritable)
    }

    /// Starts writing to `output`: when the handler joins its pipeline, or when its HTTP/2 stream
    /// opens.
    func attach(_ output: DownstreamOutput, isWritable: Bool) {
        self.output = output
        self.channel = output.channel
        self.machine.writabilityChanged(isWritable)
        if output.isActive {
            self.connectionBecameActive()
        }
    }

    /// Also when the pipeline is torn down without the channel ever having been active: the
    /// deadline's callback holds this handler.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelDeadlines()
        self.output = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectionBecameActive()
        context.fireChannelActive()
    }

    private func connectionBecameActive() {
        guard self.openConnections == nil else { return }
        let openConnections = self.loop.metrics.clientConnection(self.transport.metricsLabel)
        openConnections.increment()
        self.openConnections = openConnections
        if self.activePeer == nil {
            self.activePeer = DownstreamPeer(address: self.channel.remoteAddress, scheme: self.transport.scheme)
        }
        self.armIdleTimer(self.loop.configuration.limits.headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionEnded()
        context.fireChannelInactive()
    }

    /// The connection (or HTTP/2 stream) closed, by either side: the request in progress, if any,
    /// is aborted and logged as such.
    func connectionEnded() {
        self.cancelDeadlines()
        self.openConnections?.decrement()
        self.openConnections = nil
        if self.machine.connectionClosed() {
            self.abortResponder()
            self.logAccess(aborted: true)
        }
    }

    /// The HTTP/2 stream closed: both sides ended it, or either reset it.
    func streamClosed() {
        self.connectionEnded()
        self.output = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partReceived(self.unwrapInboundIn(data))
    }

    /// A part of a request arrived.
    func partReceived(_ part: HTTPServerRequestPart) {
        switch self.machine.partArrived(part) {
        case .deliver:
            self.handle(part)
        case .hold:
            break
        case .overflow:
            // One read can hold hundreds of tiny pipelined requests; more than this waiting at
            // once is not a browser, and would otherwise all be held in memory.
            self.output?.close()
        }
    }

    private func handle(_ part: HTTPServerRequestPart) {
        // After a response that closes the connection, requests pipelined behind it are not served.
        guard !self.machine.isClosed else { return }
        switch part {
        case .head(let head):
            self.requestHeadReceived(head)
        case .body(let buffer):
            self.requestBodyReceived(buffer)
        case .end(let trailers):
            self.bodyDeadline?.disarm()
            if self.machine.requestEndReceived() {
                self.responder?.requestEnd(trailers: trailers)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.readComplete()
        context.fireChannelReadComplete()
    }

    /// A batch of reads ended.
    func readComplete() {
        self.responder?.clientReadComplete()
    }

    /// Hands the requests that waited behind the response just ended to this handler, up to the
    /// next one that must wait, and reads again once none waits.
    private func releasePipelinedRequests() {
        self.machine.releaseStarted()
        guard self.output?.isActive == true else { return }
        while let part = self.machine.nextReleasedPart() {
            self.handle(part)
        }
        self.responder?.clientReadComplete()
        self.readIfPending()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    /// The client started or stopped taking bytes.
    func writabilityChanged(_ isWritable: Bool) {
        self.machine.writabilityChanged(isWritable)
        if isWritable {
            self.sendDeadline?.disarm()
            self.responder?.clientBecameWritable()
            self.readIfPending()
        } else {
            self.armSendDeadline()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            if self.machine.connectionClosed() {
                self.abortResponder()
            }
            context.close(promise: nil)
            return
        }
        guard self.machine.parserErrorIsAnswered(closedConnection: parserError == .closedConnection) else { return }
        self.loop.logger.info(
            "rejected malformed request", metadata: ["client": "\(self.clientIP)", "error": "\(parserError)"]
        )
        self.failRequest(status: parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest)
    }

    /// A drain: an idle connection closes now, a busy one after the response in progress.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if self.machine.quiesce() {
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.machine.readRequested() {
            context.read()
        }
    }

    /// The HTTP/2 stream's request was read as far as its output let it: read more unless reads
    /// are held (the output then reads when they are released).
    func readRequested() {
        if self.machine.readRequested() {
            self.output?.read()
        }
    }

    private func readIfPending() {
        if self.machine.takePendingRead() {
            self.output?.read()
        }
    }

    // MARK: Request intake

    private func requestHeadReceived(_ head: HTTPRequestHead) {
        self.idleDeadline?.disarm()
        self.summary = RequestSummary(method: head.method, uri: head.uri, version: head.version, startedAt: .now())
        self.machine.requestHeadReceived(
            keepAlive: head.isKeepAlive, isHTTP10: head.version == .http1_0,
            bodyLimit: self.loop.configuration.limits.bodyBytes
        )
        let admission = RequestAdmission(head: head, fields: RequestHeadFields.read(head))
        self.summary?.accept = admission.fields.accept
        if admission.framingAccepted, self.machine.requestFramingRead(hasBody: admission.fields.framing.hasBody) {
            self.armBodyDeadline()
        }
        if admission.endsConnection {
            self.machine.closeAfterResponse()
        }
        switch admission.decide(routes: self.loop.routes, globalBodyLimit: self.loop.configuration.limits.bodyBytes) {
        case .refuse(let status, let log, let reason):
            self.loop.logger.info("\(log)", metadata: ["client": "\(self.clientIP)", "reason": "\(reason)"])
            self.failRequest(status: status)
        case .errorPage(let status, let answerBeforeBody, let route):
            self.summary?.route = route
            if answerBeforeBody {
                self.machine.closeAfterResponse()
            }
            self.start(FixedResponder.errorPage(status, for: self, answerBeforeBody: answerBeforeBody))
        case .route(let request):
            self.summary?.route = request.route
            self.machine.bodyLimitChosen(request.bodyLimit)
            self.start(RouteDispatcher.responder(for: request, client: self))
        }
    }

    private func start(_ responder: RequestResponder) {
        self.responder = responder
        responder.start()
    }

    private func requestBodyReceived(_ buffer: ByteBuffer) {
        switch self.machine.requestBodyReceived(bytes: buffer.readableBytes) {
        case .forward:
            self.responder?.requestBodyPart(buffer)
        case .ignore:
            break
        case .refuse(let status, let reason):
            self.loop.logger.info(
                "rejected request body",
                metadata: [
                    "client": "\(self.clientIP)", "reason": "\(reason)",
                    "limit": "\(self.machine.exchange?.bodyLimit ?? 0)",
                ]
            )
            self.failRequest(status: status)
        }
    }

    private func abortResponder() {
        let responder = self.responder
        self.responder = nil
        responder?.abort()
    }

    /// Ends the current request with an error status (or just closes if a response already started)
    /// and closes the connection: used for bad framing and limits, where the rest of the byte stream
    /// can no longer be trusted.
    func failRequest(status: HTTPResponseStatus) {
        let (action, abortResponder) = self.machine.requestFailed()
        if abortResponder {
            self.abortResponder()
        }
        self.idleDeadline?.cancel()
        self.bodyDeadline?.cancel()
        guard let output = self.output else { return }
        guard action == .writeErrorPage, output.isActive else {
            self.logAccess(aborted: true)
            output.close()
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
        output.write(.head(head), promise: nil)
        if self.summary?.method != .HEAD {
            output.write(.body(.byteBuffer(page.body)), promise: nil)
        }
        self.closeAfterWriting(.end(nil), output: output)
    }

    /// Writes `part`, the last one, and closes once it is sent; a client that takes none of it
    /// for `send_timeout` is cut off then.
    private func closeAfterWriting(_ part: HTTPServerResponsePart, output: DownstreamOutput) {
        self.armSendDeadline()
        let written = self.loop.eventLoop.makePromise(of: Void.self)
        output.write(part, promise: written)
        output.flush()
        written.futureResult.assumeIsolated().whenComplete { _ in
            output.close()
        }
    }

    // MARK: ResponderContext

    /// Set from the start: a request is only read once the connection is active.
    var peer: DownstreamPeer { self.activePeer! }
    var clientAddress: SocketAddress? { self.activePeer?.address }
    /// The client's IP as text, for log lines.
    private var clientIP: String { self.activePeer?.ip ?? "unknown" }

    /// The client's socket (or HTTP/2 stream) takes more bytes now: read when the handler is added,
    /// then kept from writability events, so that a responder's check per body part costs no trip
    /// through the channel.
    var isWritable: Bool { self.machine.isWritable }
    /// The request's end has been received.
    var requestComplete: Bool { self.machine.requestComplete }
    var allocator: ByteBufferAllocator { self.channel.allocator }
    var sendsFileRegions: Bool { self.transport == .http1 }
    var eventLoop: EventLoop { self.loop.eventLoop }
    /// When the client's connection, or its HTTP/2 stream, closes.
    var closeFuture: EventLoopFuture<Void> { self.output?.closeFuture ?? self.channel.closeFuture }

    func sendHead(_ head: HTTPResponseHead) {
        if head.status == .continue {
            self.output?.write(.head(head), promise: nil)
            self.output?.flush()
            return
        }
        self.summary?.status = head.status.code
        if head.status == .switchingProtocols {
            self.machine.switchingProtocolsWritten()
            self.output?.write(.head(head), promise: nil)
            return
        }
        let connectionField = self.machine.responseHeadWritten(
            hasContentLength: head.headers.contains(name: "content-length")
        )
        var head = head
        // The encoder frames an unsized body as chunked for HTTP/1.1 only; an HTTP/1.0 client
        // gets the bare body and finds its end by the close.
        let version: HTTPVersion = self.machine.exchange?.isHTTP10 == true ? .http1_0 : .http1_1
        if self.transport != .http2 && head.version != version {
            head.version = version  // Only when it differs: the setter copies the head's storage.
        }
        switch connectionField {
        case .unchanged: break
        case .close: head.headers.replaceOrAdd(name: "connection", value: "close")
        case .keepAlive: head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        self.output?.write(.head(head), promise: nil)
    }

    func sendBody(_ data: IOData, promise: EventLoopPromise<Void>?) {
        self.summary?.responseBodyBytes += data.readableBytes
        guard let output = self.output else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if !self.machine.isWritable {
            // A channel can start out unwritable (an HTTP/2 stream without window) and send no
            // writability event before its client takes something.
            self.armSendDeadline()
            self.machine.writtenWhileBlocked(data.readableBytes)
        }
        output.write(.body(data), promise: promise)
    }

    func flush() {
        self.output?.flush()
    }

    func recordUpstreamTime(_ time: TimeAmount) {
        self.summary?.upstreamTime = time
    }

    /// Logs the response, and either waits for the next request or closes the connection.
    func finishResponse(trailers: HTTPHeaders?) {
        let keepOpen: Bool
        let releasePipelined: Bool
        switch self.machine.responseEnded() {
        case .none: return
        case .close: (keepOpen, releasePipelined) = (false, false)
        case .keepOpen(let release): (keepOpen, releasePipelined) = (true, release)
        }
        self.responder = nil
        self.logAccess(aborted: false)
        self.summary = nil
        self.readIfPending()
        guard let output = self.output else { return }
        guard keepOpen else {
            self.closeAfterWriting(.end(trailers), output: output)
            return
        }
        output.write(.end(trailers), promise: nil)
        output.flush()
        self.armIdleTimer(self.loop.configuration.limits.keepaliveTimeout)
        if releasePipelined {
            self.loop.eventLoop.assumeIsolated().execute { self.releasePipelinedRequests() }
        }
    }

    /// A read already asked for is held back until `resumeReading`.
    func pauseReading() {
        self.machine.pauseReading()
    }

    func resumeReading() {
        if self.machine.resumeReading() {
            self.readIfPending()
        }
    }

    func handOver(to install: (Channel) throws -> Void) throws {
        // An HTTP/2 stream cannot switch protocols (NIOHTTP2 refuses Upgrade fields).
        guard self.transport != .http2 else { throw ChannelError.operationUnsupported }
        let channel: Channel = self.channel
        do {
            try self.removeHTTPHandlers()
            try install(channel)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        channel.flush()
        channel.read()
    }

    private func removeHTTPHandlers() throws {
        self.logAccess(aborted: false)
        self.machine.handedOver()
        self.responder = nil
        self.cancelDeadlines()
        guard let output = self.output else { throw ChannelError.ioOnClosedChannel }
        try output.removeHTTPHandlers()
    }

    // MARK: Timers and logging

    /// The header or keep-alive timeout, for HTTP/1.1 only: an HTTP/2 stream is made when its
    /// head has come whole (NIOHTTP2 waits for the header block's end, under the connection's own
    /// deadlines), and closes once its response has ended, or is cut by `send_timeout` while its
    /// client takes nothing of it.
    private func armIdleTimer(_ duration: Duration) {
        guard self.transport != .http2, self.output != nil else { return }
        if self.idleDeadline == nil {
            self.idleDeadline = LazyDeadline(eventLoop: self.loop.eventLoop) {
                if self.machine.idleDeadlinePassed() {
                    self.output?.close()
                }
            }
        }
        self.idleDeadline?.arm(TimeAmount(duration))
    }

    private func cancelDeadlines() {
        self.idleDeadline?.cancel()
        self.bodyDeadline?.cancel()
        self.sendDeadline?.cancel()
    }

    /// From now on the client has `body_timeout` to send `minimumProgressBytes` more of its body.
    private func armBodyDeadline() {
        guard self.output != nil else { return }
        self.machine.bodyDeadlineArmed()
        if self.bodyDeadline == nil {
            self.bodyDeadline = LazyDeadline(eventLoop: self.loop.eventLoop) { self.bodyDeadlinePassed() }
        }
        self.bodyDeadline?.arm(TimeAmount(self.loop.configuration.limits.bodyTimeout))
    }

    private func bodyDeadlinePassed() {
        switch self.machine.bodyDeadlinePassed() {
        case .none:
            break
        case .rearm:
            self.armBodyDeadline()
        case .timeOut(let received):
            self.loop.metrics.countBodyTimeout()
            self.loop.logger.info(
                "request body timeout", metadata: ["client": "\(self.clientIP)", "received": "\(received)"]
            )
            self.failRequest(status: .requestTimeout)
        }
    }

    /// The client stopped taking bytes: from now on it has `send_timeout` to take some.
    private func armSendDeadline() {
        guard let output = self.output, self.sendDeadline?.isArmed != true else { return }
        self.machine.sendDeadlineArmed(unsent: output.unsentBytes)
        if self.sendDeadline == nil {
            self.sendDeadline = LazyDeadline(eventLoop: self.loop.eventLoop) { self.sendDeadlinePassed() }
        }
        self.sendDeadline?.arm(TimeAmount(self.loop.configuration.limits.sendTimeout))
    }

    /// `send_timeout` passed with the client still not taking bytes: unless the socket took some
    /// meanwhile (a slow reader, not a stalled one), the connection is cut, and with it the
    /// backend connection of the exchange in progress (closed, not pooled).
    private func sendDeadlinePassed() {
        guard let output = self.output, output.isActive else { return }
        let unsent = output.unsentBytes
        switch self.machine.sendDeadlinePassed(unsent: unsent) {
        case .none:
            return
        case .rearm:
            self.armSendDeadline()
            return
        case .cutOff:
            break
        }
        self.loop.metrics.countSendTimeout()
        self.loop.logger.warning(
            "client send timeout",
            metadata: [
                "client": "\(self.clientIP)",
                "uri": "\(self.summary?.uri.requestPath ?? "")",
                "unsent": "\(unsent.map(String.init) ?? "unknown")",
            ]
        )
        if self.machine.connectionClosed() {
            self.abortResponder()
            self.logAccess(aborted: true)
        }
        output.close()
    }

    private func logAccess(aborted: Bool) {
        guard let summary = self.summary else { return }
        self.loop.metrics.countRequest(route: summary.route, status: summary.status)
        if self.loop.configuration.log.access {
            self.loop.accessLog.record(summary, client: self.clientAddress, aborted: aborted)
        }
    }
}
