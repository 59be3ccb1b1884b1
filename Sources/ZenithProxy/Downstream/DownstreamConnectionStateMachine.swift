import NIOHTTP1

/// The rules of one client connection (an HTTP/1.1 connection, or one HTTP/2 stream) as a value:
/// which request is being answered, whether the connection is kept after it, when reading stops
/// and resumes, how much body a request may send, and what a passed deadline means. Each method
/// takes one event and returns what `DownstreamConnectionHandler` must do; the machine does no I/O,
/// so every rule is tested with plain calls (`DownstreamConnectionStateMachineTests`).
///
/// One request is answered at a time: requests pipelined behind it wait in a
/// `PipelinedRequestQueue` that the machine owns.
struct DownstreamConnectionStateMachine {
    /// Where the connection is in its life.
    enum State: Equatable {
        /// Waiting for the next request head (header or keep-alive timeout running).
        case idle
        /// A request is being answered.
        case responding(Exchange)
        /// The connection is closing, or was handed over to another protocol: nothing more is read
        /// or answered.
        case closed
    }

    /// One request and its response, from the request head to the response's end.
    struct Exchange: Equatable {
        /// The connection may carry another request after this one.
        var keepAlive: Bool
        /// HTTP/1.0 request: its response is written as HTTP/1.0, kept alive only when sized.
        var isHTTP10: Bool
        /// The request's end has been received.
        var requestComplete = false
        /// A final (non-1xx) or 101 response head has been written.
        var responseStarted = false
        /// Its head announced a body (Content-Length above 0, or chunked).
        var hasBody = false
        /// The most body bytes this request may send.
        var bodyLimit: Int64
        var bodyReceived: Int64 = 0
        /// `bodyReceived` when the body deadline was last armed.
        var bodyReceivedAtDeadline: Int64 = 0
    }

    /// What the handler does with a request body part.
    enum BodyPartAction: Equatable {
        /// Hand it to the responder.
        case forward
        /// Not answering a request (the connection closes): drop it.
        case ignore
        /// Refuse the request with this status and close; `reason` is for the log.
        case refuse(HTTPResponseStatus, reason: String)
    }

    /// The `Connection` field a response head gets.
    enum ConnectionField: Equatable {
        /// None added (HTTP/2, or an HTTP/1.1 connection that is kept).
        case unchanged
        case close
        /// An HTTP/1.0 client asks for keep-alive explicitly.
        case keepAlive
    }

    /// What to do after a response's end has been written.
    enum ResponseEndAction: Equatable {
        /// No response was open (the connection already closed): nothing.
        case none
        /// Write the end, wait for the next request with the keep-alive timeout, and release the
        /// pipelined requests on the next loop turn when `releasePipelined`.
        case keepOpen(releasePipelined: Bool)
        /// Write the end and close once it is sent.
        case close
    }

    /// How a request that cannot go on ends.
    enum FailAction: Equatable {
        /// Write an error page with this status (with `Connection: close` on HTTP/1), then close.
        case writeErrorPage
        /// A response already began (or none can be written): close at once.
        case close
    }

    /// What `body_timeout` passing means.
    enum BodyDeadlineAction: Equatable {
        case none
        /// The client sent enough, or Zenith itself is not reading: give it another period.
        case rearm
        /// The client stalls: 408 and close.
        case timeOut(bodyReceived: Int64)
    }

    /// What `send_timeout` passing means.
    enum SendDeadlineAction: Equatable {
        case none
        /// The client's socket took bytes meanwhile (slow, not stalled): another period.
        case rearm
        /// Cut the connection (and the backend connection of the exchange in progress).
        case cutOff
    }

    /// What a client must send of a request body within one `body_timeout` to count as slow
    /// rather than stalled: one that trickles a byte a second would otherwise hold a backend
    /// connection for ever. (What a client takes is seen only as the kernel takes bytes from
    /// Zenith, in steps of half a socket buffer: there any step counts, as in nginx.)
    static let minimumProgressBytes: Int64 = 1024

    private(set) var state = State.idle
    let isHTTP2: Bool
    private var pipelined = PipelinedRequestQueue()
    /// A responder asked for reads to stop (its upstream is not taking the body).
    private var readsPaused = false
    /// A read was asked for while reads were held back.
    private var readPending = false
    /// The client's socket (or HTTP/2 stream) takes more bytes now.
    private(set) var isWritable: Bool
    /// Bytes the socket still had to send when the send deadline was armed, and bytes written
    /// since; nil where the channel cannot tell (an HTTP/2 stream), and then only writability counts.
    private var unsentAtSendDeadline: Int?
    private var writtenSinceSendDeadline = 0

    init(isHTTP2: Bool, isWritable: Bool) {
        self.isHTTP2 = isHTTP2
        self.isWritable = isWritable
    }

    /// The request being answered, if any.
    var exchange: Exchange? {
        if case .responding(let exchange) = self.state { return exchange }
        return nil
    }

    var isResponding: Bool { self.exchange != nil }

    var isClosed: Bool { self.state == .closed }

    var requestComplete: Bool { self.exchange?.requestComplete ?? false }

    // MARK: Request intake

    /// A request part was read: handle it now, hold it behind the open response, or give up on a
    /// client that pipelines too much.
    mutating func partArrived(_ part: HTTPServerRequestPart) -> PipelinedRequestQueue.Arrival {
        self.pipelined.arrived(part)
    }

    /// A head is handled: the connection answers this request now, until told otherwise with
    /// the route's body limit and the head's framing (`requestAdmitted`).
    mutating func requestHeadReceived(keepAlive: Bool, isHTTP10: Bool, bodyLimit: Int64) {
        guard !self.isClosed else { return }
        self.state = .responding(Exchange(keepAlive: keepAlive, isHTTP10: isHTTP10, bodyLimit: bodyLimit))
    }

    /// The head's framing was read: true when it announced a body, whose deadline then starts.
    mutating func requestFramingRead(hasBody: Bool) -> Bool {
        self.modifyExchange { $0.hasBody = hasBody }
        return hasBody
    }

    /// The route sets the body limit (its own, or the global one the head started with).
    mutating func bodyLimitChosen(_ limit: Int64) {
        self.modifyExchange { $0.bodyLimit = limit }
    }

    /// This request's answer closes the connection (an upgrade not yet accepted, CONNECT, a body
    /// refused before it was read, a drain).
    mutating func closeAfterResponse() {
        self.modifyExchange { $0.keepAlive = false }
    }

    mutating func requestBodyReceived(bytes: Int) -> BodyPartAction {
        guard case .responding(var exchange) = self.state else { return .ignore }
        guard exchange.hasBody else {
            // Only HTTP/2 can get here (DATA on a GET, DELETE...): forwarded without framing, the
            // bytes would be read upstream as another request.
            return .refuse(.badRequest, reason: "body without framing")
        }
        exchange.bodyReceived += Int64(bytes)
        self.state = .responding(exchange)
        if exchange.bodyReceived > exchange.bodyLimit {
            return .refuse(.payloadTooLarge, reason: "request body above limit")
        }
        return .forward
    }

    /// The request's end arrived: true when a responder takes it.
    mutating func requestEndReceived() -> Bool {
        guard self.isResponding else { return false }
        self.modifyExchange { $0.requestComplete = true }
        return true
    }

    // MARK: Response

    /// A final response head is about to be written (not a 100 Continue, not a 101): the
    /// `Connection` field it gets. An HTTP/1.0 client's unsized body ends with the connection, and
    /// a response sent before its request was read to the end closes the connection (the rest of
    /// the request is not read).
    mutating func responseHeadWritten(hasContentLength: Bool) -> ConnectionField {
        guard case .responding(var exchange) = self.state else { return .unchanged }
        exchange.responseStarted = true
        defer { self.state = .responding(exchange) }
        if self.isHTTP2 {
            // Each request is its own stream: no connection headers (forbidden in HTTP/2).
            exchange.keepAlive = true
            return .unchanged
        }
        if exchange.isHTTP10 && !hasContentLength {
            exchange.keepAlive = false
        }
        if !exchange.keepAlive || !exchange.requestComplete {
            exchange.keepAlive = false
            return .close
        }
        return exchange.isHTTP10 ? .keepAlive : .unchanged
    }

    /// A 101 Switching Protocols head is written: the connection is about to be handed over.
    mutating func switchingProtocolsWritten() {
        self.modifyExchange { $0.responseStarted = true }
    }

    /// The responder ended its response.
    mutating func responseEnded() -> ResponseEndAction {
        guard let exchange = self.exchange else { return .none }
        self.readsPaused = false
        if !exchange.keepAlive || !exchange.requestComplete {
            self.state = .closed
            return .close
        }
        self.state = .idle
        return .keepOpen(releasePipelined: self.pipelined.responseEnded())
    }

    /// The request cannot go on (bad framing, a limit, a backend failure before any byte of the
    /// answer): the connection closes, after an error page if no response has begun. True in
    /// `abortResponder` when a responder was answering and must let go.
    mutating func requestFailed() -> (action: FailAction, abortResponder: Bool) {
        switch self.state {
        case .idle:
            // A malformed head after a kept connection's last response: answered as the first
            // request's would be.
            self.state = .closed
            return (.writeErrorPage, false)
        case .responding(let exchange):
            self.state = .closed
            return (exchange.responseStarted ? .close : .writeErrorPage, true)
        case .closed:
            return (.close, false)
        }
    }

    // MARK: Connection events

    /// The connection ended (closed by either side, or cut): true when a responder was answering
    /// and must let go (its exchange is logged as aborted).
    mutating func connectionClosed() -> Bool {
        let wasResponding = self.isResponding
        self.state = .closed
        return wasResponding
    }

    /// The connection is handed over to another protocol after a 101.
    mutating func handedOver() {
        self.state = .closed
    }

    /// A malformed request: whether it is answered (true) or only ends the connection as it
    /// was going to anyway. Bytes after a `Connection: close` request, which the server does not
    /// read (RFC 9112 §9.6), are not an error: the request in progress is answered, then the
    /// connection closes.
    func parserErrorIsAnswered(closedConnection: Bool) -> Bool {
        guard closedConnection else { return true }
        switch self.state {
        case .idle: return true
        case .responding(let exchange): return exchange.keepAlive
        case .closed: return false
        }
    }

    /// A drain: true when the connection should close now (no request in progress); otherwise it
    /// closes after the response in progress.
    mutating func quiesce() -> Bool {
        switch self.state {
        case .idle:
            self.state = .closed
            return true
        case .responding:
            self.closeAfterResponse()
            return false
        case .closed:
            return false
        }
    }

    /// The header or keep-alive timeout passed: true when the connection closes for it.
    mutating func idleDeadlinePassed() -> Bool {
        guard self.state == .idle else { return false }
        self.state = .closed
        return true
    }

    // MARK: Reading

    /// Reads stop while a responder asks, while pipelined requests wait, and while the client
    /// takes nothing of what it is sent (a client that pipelines requests and reads no answer
    /// costs a bounded amount of memory).
    private var readsHeld: Bool { self.readsPaused || self.pipelined.holdsReads || !self.isWritable }

    /// The channel wants to read: true to read now, false to hold the read until it is released.
    mutating func readRequested() -> Bool {
        if self.readsHeld {
            self.readPending = true
            return false
        }
        return true
    }

    /// True when a held read should be done now.
    mutating func takePendingRead() -> Bool {
        guard self.readPending, !self.readsHeld else { return false }
        self.readPending = false
        return true
    }

    mutating func pauseReading() {
        self.readsPaused = true
    }

    /// True when reads were paused (then a held read may follow: `takePendingRead`).
    mutating func resumeReading() -> Bool {
        guard self.readsPaused else { return false }
        self.readsPaused = false
        return true
    }

    /// Starts the release of pipelined requests that `responseEnded` asked for; then take them
    /// one by one with `nextReleasedPart`.
    mutating func releaseStarted() {
        self.pipelined.releaseStarted()
    }

    mutating func nextReleasedPart() -> HTTPServerRequestPart? {
        self.pipelined.nextReleased()
    }

    // MARK: Deadlines

    /// `body_timeout` is (re)armed: progress is counted from here.
    mutating func bodyDeadlineArmed() {
        self.modifyExchange { $0.bodyReceivedAtDeadline = $0.bodyReceived }
    }

    /// `body_timeout` passed: a client that sent too little of its body meanwhile times out,
    /// unless Zenith itself stopped reading (the backend or the client is slow to take the bytes
    /// already read), which is no fault of the client's.
    mutating func bodyDeadlinePassed() -> BodyDeadlineAction {
        guard let exchange = self.exchange, !exchange.requestComplete else { return .none }
        let progress = exchange.bodyReceived - exchange.bodyReceivedAtDeadline
        if self.readsHeld || progress >= Self.minimumProgressBytes {
            return .rearm
        }
        return .timeOut(bodyReceived: exchange.bodyReceived)
    }

    /// The client's writability changed.
    mutating func writabilityChanged(_ isWritable: Bool) {
        self.isWritable = isWritable
    }

    /// The send deadline is armed with `unsent` bytes still in the socket's outbound buffer.
    mutating func sendDeadlineArmed(unsent: Int?) {
        self.unsentAtSendDeadline = unsent
        self.writtenSinceSendDeadline = 0
    }

    /// Body bytes written to a client that is not writable.
    mutating func writtenWhileBlocked(_ bytes: Int) {
        self.writtenSinceSendDeadline += bytes
    }

    /// `send_timeout` passed, with `unsent` bytes still waiting in the socket's outbound buffer.
    /// A connection that is closing stays subject to the deadline (its last bytes must go).
    func sendDeadlinePassed(unsent: Int?) -> SendDeadlineAction {
        if self.isWritable, !self.isClosed { return .none }
        if let unsent, let before = self.unsentAtSendDeadline, before + self.writtenSinceSendDeadline > unsent {
            return .rearm
        }
        return .cutOff
    }

    // MARK: Helpers

    private mutating func modifyExchange(_ change: (inout Exchange) -> Void) {
        guard case .responding(var exchange) = self.state else { return }
        // Out of the enum while it changes, so that its storage is not copied.
        self.state = .closed
        change(&exchange)
        self.state = .responding(exchange)
    }
}
