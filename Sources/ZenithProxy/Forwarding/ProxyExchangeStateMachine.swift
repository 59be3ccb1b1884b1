import NIOCore
import NIOHTTP1

/// The rules of one proxied request as a value: where the request body goes while no upstream
/// connection is attached yet, when the request has been forwarded whole, what a response head,
/// end, close or timeout means, and whether the connection may go back to the pool. Each method
/// takes one event and returns what `ProxyExchange` must do; it does no I/O, and is tested with
/// plain calls (`ProxyExchangeStateMachineTests`).
struct ProxyExchangeStateMachine {
    /// Where the exchange is.
    enum State: Equatable {
        /// No upstream connection yet (leasing or connecting); the request's parts wait here.
        case waitingForConnection(pendingBody: [ByteBuffer], pendingEnd: Bool)
        /// An upstream connection carries the request.
        case attached(Attached)
        /// Answered, failed, aborted or turned into a tunnel: nothing more is sent either way.
        case finished
    }

    /// What is known of the exchange on its upstream connection.
    struct Attached: Equatable {
        /// The request's end has been sent upstream.
        var requestForwarded = false
        var bodyBytesSent = false
        var responseHeadReceived = false
        /// The backend answered 101 to the client's WebSocket upgrade.
        var upgradeAccepted = false
        /// The backend's response lets its connection be kept.
        var upstreamKeepAlive = false
    }

    /// What to send upstream right after a connection was attached.
    struct Attachment: Equatable {
        /// Body parts read while no connection was attached, in order.
        var pendingBody: [ByteBuffer]
        /// The request's end came too: send it after them.
        var sendEnd: Bool
    }

    /// What becomes of a request part.
    enum RequestPartAction: Equatable {
        /// Send it on the attached connection.
        case send
        /// Kept until a connection is attached: stop reading from the client meanwhile.
        case hold
        /// The exchange is over: drop it.
        case drop
    }

    /// What to do with a response head.
    enum ResponseHeadAction: Equatable {
        case forward
        /// A 101 to a request that asked for no upgrade: the backend cannot be trusted, 502.
        case fail(HTTPResponseStatus)
        case ignore
    }

    /// What to do at the response's end.
    enum ResponseEndAction: Equatable {
        /// Give the connection back to the pool (to be kept when `reusable`), end the response.
        case release(reusable: Bool)
        /// The backend switched protocols: both connections become a byte tunnel.
        case tunnel
        case ignore
    }

    /// What the upstream connection closing means.
    enum UpstreamClosedAction: Equatable {
        /// Lease a new connection and send the request again (`UpstreamRetryRule`).
        case retry
        /// The backend closed without a byte of an answer on each of the request's `attempts`
        /// (1, or 2 when it was retried): to be logged, and answered with the status.
        case failUnanswered(HTTPResponseStatus, attempts: Int)
        /// A malformed answer (logged where it was read), or a close in the middle of one.
        case fail(HTTPResponseStatus)
        case ignore
    }

    /// How leasing a connection ended.
    enum LeaseResult: Equatable {
        case leased
        /// Every connection the pool may open is in use.
        case busy
        case failed
    }

    /// What to do with a lease's outcome.
    enum LeaseAction: Equatable {
        case attach(Attachment)
        /// The exchange ended meanwhile: the unused connection goes back as it came.
        case giveBack
        case fail(HTTPResponseStatus)
        case ignore
    }

    private(set) var state = State.waitingForConnection(pendingBody: [], pendingEnd: false)
    private var retryRule = UpstreamRetryRule()
    private let method: HTTPMethod
    private let isUpgrade: Bool

    init(method: HTTPMethod, isUpgrade: Bool) {
        self.method = method
        self.isUpgrade = isUpgrade
    }

    var isAttached: Bool {
        if case .attached = self.state { return true }
        return false
    }

    // MARK: Leasing

    mutating func leaseEnded(_ result: LeaseResult) -> LeaseAction {
        guard case .waitingForConnection(let pendingBody, let pendingEnd) = self.state else {
            if case .leased = result { return .giveBack }
            return .ignore
        }
        switch result {
        case .leased:
            var attached = Attached()
            attached.bodyBytesSent = !pendingBody.isEmpty
            attached.requestForwarded = pendingEnd
            self.state = .attached(attached)
            return .attach(Attachment(pendingBody: pendingBody, sendEnd: pendingEnd))
        case .busy:
            self.state = .finished
            return .fail(.serviceUnavailable)
        case .failed:
            self.state = .finished
            return .fail(.badGateway)
        }
    }

    // MARK: Client → upstream

    mutating func requestBodyPart(_ buffer: ByteBuffer) -> RequestPartAction {
        switch self.state {
        case .attached(var attached):
            attached.bodyBytesSent = true
            self.state = .attached(attached)
            return .send
        case .waitingForConnection(var pendingBody, let pendingEnd):
            self.state = .finished  // Out of the enum while it changes, so that the array is not copied.
            pendingBody.append(buffer)
            self.state = .waitingForConnection(pendingBody: pendingBody, pendingEnd: pendingEnd)
            return .hold
        case .finished:
            return .drop
        }
    }

    mutating func requestEnd() -> RequestPartAction {
        switch self.state {
        case .attached(var attached):
            attached.requestForwarded = true
            self.state = .attached(attached)
            return .send
        case .waitingForConnection(let pendingBody, _):
            self.state = .waitingForConnection(pendingBody: pendingBody, pendingEnd: true)
            return .hold
        case .finished:
            return .drop
        }
    }

    // MARK: Upstream → client

    mutating func responseHead(status: HTTPResponseStatus, keepAlive: Bool) -> ResponseHeadAction {
        guard case .attached(var attached) = self.state else { return .ignore }
        attached.responseHeadReceived = true
        if status == .switchingProtocols {
            guard self.isUpgrade else {
                self.state = .finished
                return .fail(.badGateway)
            }
            attached.upgradeAccepted = true
        }
        attached.upstreamKeepAlive = keepAlive
        self.state = .attached(attached)
        return .forward
    }

    mutating func responseEnd() -> ResponseEndAction {
        guard case .attached(let attached) = self.state else { return .ignore }
        self.state = .finished
        if attached.upgradeAccepted {
            return .tunnel
        }
        // A backend that answered before it had the whole body cannot be reused, and neither can
        // one answering an Upgrade it refused (it may still switch protocols later).
        return .release(reusable: attached.upstreamKeepAlive && attached.requestForwarded && !self.isUpgrade)
    }

    // MARK: Ending

    mutating func upstreamClosed(error: Error?) -> UpstreamClosedAction {
        guard case .attached(let attached) = self.state else { return .ignore }
        if !attached.responseHeadReceived,
            self.retryRule.closedBeforeAnswer(method: self.method, bodyBytesSent: attached.bodyBytesSent, error: error)
        {
            // Nothing of the body was sent (or the rule says no): the request goes again whole.
            self.state = .waitingForConnection(pendingBody: [], pendingEnd: attached.requestForwarded)
            return .retry
        }
        self.state = .finished
        if attached.responseHeadReceived || error is UpstreamResponseDecoder.Failure {
            return .fail(.badGateway)
        }
        return .failUnanswered(.badGateway, attempts: self.retryRule.retried ? 2 : 1)
    }

    /// The backend took longer than the response timeout to start its answer: true when that ends
    /// the exchange with a 504 (a response already begun is not timed).
    mutating func responseTimedOut() -> Bool {
        guard case .attached(let attached) = self.state, !attached.responseHeadReceived else { return false }
        self.state = .finished
        return true
    }

    /// The client went away, or the exchange failed: true when an attached connection must be
    /// closed (never pooled: it is in the middle of an exchange).
    mutating func finish() -> Bool {
        let wasAttached = self.isAttached
        self.state = .finished
        return wasAttached
    }
}
