import NIOCore
import NIOHTTP1

/// One Engine.IO v4 session: its transport (long polling, then possibly a WebSocket after the
/// probe/upgrade dance), its bounded queue of outgoing frames, and its heartbeat.
///
/// What happens next is decided by its `EngineIOSessionStateMachine`; this class owns the machine,
/// the timers and the transports, and does what the machine returns.
///
/// Lives on one event loop (the one its sid names) and is only touched there; a WebSocket carrying
/// it may live on another loop, which `WebSocketTransport` bridges.
public final class EngineIOSession {
    /// A GET for this session, answered when the state machine says so.
    struct Poll {
        let promise: EventLoopPromise<EngineIOHTTPResponse>
        let headers: HTTPHeaders
        let connectionClosed: EventLoopFuture<Void>
    }

    typealias StateMachine = EngineIOSessionStateMachine<WebSocketTransport, Poll>

    public let id: String
    public let eventLoop: EventLoop
    /// The request that opened the session (headers for cookies and origin, client address).
    public let handshake: EngineIOHTTPRequest
    /// Set by `onConnection`; released when the session closes (it refers back to the session).
    public var delegate: EngineIOSessionDelegate?
    public var isClosed: Bool { self.machine.isClosed }

    /// Flushes this loop's WebSockets once per run, and carries writes to WebSockets on other loops.
    var flushBatch: WebSocketFlushBatch { self.registry.flushBatch }
    /// The server's settings, shared through the registry.
    private var configuration: EngineIOConfiguration { self.registry.configuration }
    private let registry: EngineIOSessionRegistry
    private var machine: StateMachine
    /// The connection whose closing is watched for held polls. A keep-alive connection carries
    /// many polls: it is watched once, not once per poll (a callback per poll on its close future
    /// would stay there, with its response, as long as the connection lives).
    private var watchedConnection: EventLoopFuture<Void>?
    /// What the watch's callback holds instead of the session; made by the first watch and cut
    /// when the session closes.
    private var link: EngineIOSessionLink?
    /// The token of each armed timer (nil: not armed) in the registry's `timers`; a timer whose
    /// token is no longer here was cancelled.
    private var pingTimer: UInt32?
    private var pongTimer: UInt32?
    private var upgradeTimer: UInt32?
    private var lastTimerToken: UInt32 = 0

    /// A session over `webSocket` (a direct WebSocket handshake), or over polling when it is nil.
    init(
        id: String, eventLoop: EventLoop, handshake: EngineIOHTTPRequest, registry: EngineIOSessionRegistry,
        webSocket: WebSocketTransport?
    ) {
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = handshake.keptForSession
        self.registry = registry
        self.machine = StateMachine(
            webSocket: webSocket, maxQueuedFrames: registry.configuration.maxQueuedPackets,
            maxPayload: registry.configuration.maxPayload
        )
        webSocket?.attach(to: self)
    }

    /// The transport clients use now: "polling" or "websocket".
    public var transportName: String {
        self.machine.isOnWebSocket ? "websocket" : "polling"
    }

    var openPacket: EngineIOFrame {
        let open = EngineIOOpenPacket(
            sid: self.id, upgrades: self.machine.isOnWebSocket ? [] : ["websocket"],
            pingInterval: Int(self.configuration.pingInterval.milliseconds),
            pingTimeout: Int(self.configuration.pingTimeout.milliseconds), maxPayload: self.configuration.maxPayload
        )
        return EngineIOFrame(open.packet)
    }

    // MARK: Sending

    /// Queues a frame for the client; a client that lets `maxQueuedPackets` pile up is a slow
    /// consumer and is disconnected (the frame is dropped).
    public func send(_ frame: EngineIOFrame) {
        self.perform(self.machine.send(frame))
    }

    /// Sends the frames of a broadcast: a WebSocket that can take them now (on any loop) gets the
    /// frames' WebSocket bytes shared by every recipient, anything else the frames one by one.
    public func send(_ broadcast: EngineIOBroadcastFrames) {
        if let webSocket = self.machine.webSocketReadyToWrite() {
            webSocket.writeEncoded(broadcast.webSocketBytes)
            return
        }
        for frame in broadcast.frames {
            self.send(frame)
        }
    }

    /// Ends the session from the server side; the client is told with a close packet (clients
    /// take it as "disconnected on purpose" and do not reconnect).
    public func close() {
        self.close(reason: "server close")
    }

    /// Ends the session without a close packet, as if the connection had dropped, so that clients
    /// reconnect (to this server once it is back, or to another one): for drains and restarts.
    public func drop(reason: String) {
        self.perform(self.machine.close(reason: reason, notifyClient: false))
    }

    // MARK: Lifecycle

    /// Arms the heartbeat and, over a WebSocket, sends the open packet (a polling session's open
    /// packet is the handshake's answer).
    func start() {
        if let webSocket = self.machine.webSocket {
            webSocket.write(self.openPacket, flush: true)
        }
        self.armPingTimer()
    }

    func close(reason: String) {
        self.perform(self.machine.close(reason: reason, notifyClient: true))
    }

    // MARK: Polling

    func poll(_ request: EngineIOHTTPRequest, headers: HTTPHeaders) -> EventLoopFuture<EngineIOHTTPResponse> {
        let poll = Poll(
            promise: self.eventLoop.makePromise(), headers: headers, connectionClosed: request.connectionClosed
        )
        self.perform(self.machine.pollArrived(poll))
        return poll.promise.futureResult
    }

    func post(_ request: EngineIOHTTPRequest, headers: HTTPHeaders) -> EngineIOHTTPResponse {
        guard !request.bodyExceededLimit else {
            self.close(reason: "payload too large")
            return EngineIOHTTPResponse(status: .payloadTooLarge, headers: headers, body: ByteBuffer())
        }
        let packets: [EngineIOPacket]
        do {
            packets = try EngineIOPayload.decode(request.body, maxPackets: self.configuration.maxPacketsPerPoll)
        } catch {
            self.close(reason: "parse error")
            return EngineIOServerError.badRequest.response(headers: headers)
        }
        for packet in packets {
            self.perform(self.machine.packetPosted(packet))
        }
        var headers = headers
        headers.add(name: "content-type", value: "text/html")
        return EngineIOHTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "ok"))
    }

    // MARK: WebSocket

    /// A WebSocket for this (polling) session has been opened; it must now pass the probe.
    func beginUpgrade(_ webSocket: WebSocketTransport) {
        self.perform(self.machine.probeOpened(webSocket))
    }

    func webSocket(_ webSocket: WebSocketTransport, received packet: EngineIOPacket) {
        self.perform(self.machine.webSocket(webSocket, received: packet))
    }

    func webSocketBecameWritable(_ webSocket: WebSocketTransport) {
        self.perform(self.machine.webSocketBecameWritable(webSocket))
    }

    func webSocketClosed(_ webSocket: WebSocketTransport) {
        self.perform(self.machine.webSocketClosed(webSocket))
    }

    func webSocketFailed(_ webSocket: WebSocketTransport, reason: String) {
        self.perform(self.machine.webSocketFailed(webSocket, reason: reason))
    }

    // MARK: Performing the machine's actions

    private func perform(_ output: StateMachine.Output) {
        switch output {
        case .none:
            break
        case .write(let frame, let webSocket):
            webSocket.write(frame, flush: false)
        case .flushQueue(let webSocket):
            self.flushQueue(to: webSocket)
        case .answerPoll(let poll, let answer):
            self.answer(poll, answer)
        case .dropSlowConsumer(let closing):
            self.registry.countDroppedSlowConsumer()
            self.perform(closing)
        }
    }

    private func perform(_ action: StateMachine.Action) {
        switch action {
        case .none:
            break
        case .sendPing(let output):
            self.pongTimer = self.arm(.pong, after: self.configuration.pingTimeout)
            self.perform(output)
        case .pingAnswered:
            self.pongTimer = nil
            self.armPingTimer()
        case .answerPoll(let poll, let answer):
            self.answer(poll, answer)
        case .holdPoll(let poll):
            self.watchConnection(of: poll)
        case .refusePollAndClose(let poll, let closing):
            self.perform(closing)
            self.answer(poll, .badRequest)
        case .deliverText(let text):
            self.delegate?.engineIOSession(self, didReceiveText: text)
        case .deliverBinary(let data):
            self.delegate?.engineIOSession(self, didReceiveBinary: data)
        case .startProbe(let webSocket):
            webSocket.attach(to: self)
            self.upgradeTimer = self.arm(.upgrade, after: self.configuration.upgradeTimeout)
        case .answerProbe(let webSocket, let endingPoll):
            webSocket.write(.control(.pong, "probe"), flush: true)
            if let endingPoll { self.answer(endingPoll, .frames([.control(.noop)])) }
        case .upgrade(let webSocket, let endingPoll):
            self.upgradeTimer = nil
            self.registry.sessionUpgraded()
            if let endingPoll { self.answer(endingPoll, .frames([.control(.noop)])) }
            self.flushQueue(to: webSocket)
        case .abandonProbe(let webSocket):
            self.upgradeTimer = nil
            webSocket.close()
        case .probeEnded:
            self.upgradeTimer = nil
        case .closeWebSocket(let webSocket):
            webSocket.close()
        case .close(let closing):
            self.perform(closing)
        }
    }

    private func perform(_ closing: StateMachine.Closing) {
        self.pingTimer = nil
        self.pongTimer = nil
        self.upgradeTimer = nil
        self.registry.remove(self)
        self.link?.cut()
        switch closing.transport {
        case .polling(let endingPoll):
            if let (poll, answer) = endingPoll { self.answer(poll, answer) }
        case .webSocket(let webSocket, let sendClosePacket):
            if sendClosePacket { webSocket.write(.control(.close), flush: true) }
            webSocket.close()
        }
        closing.probe?.close()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.engineIOSessionDidClose(self, reason: closing.reason)
    }

    // MARK: Helpers

    private func armPingTimer() {
        self.pingTimer = self.arm(.ping, after: self.configuration.pingInterval)
    }

    /// Arms a timer of the registry's; returns its token.
    private func arm(_ kind: EngineIOSessionTimers.Kind, after delay: Duration) -> UInt32 {
        self.lastTimerToken &+= 1
        self.registry.timers.arm(kind, after: TimeAmount(delay), for: self, token: self.lastTimerToken)
        return self.lastTimerToken
    }

    /// A timer armed with `token` is due: the machine's event runs if that timer is still armed.
    func timerFired(_ kind: EngineIOSessionTimers.Kind, token: UInt32) {
        switch kind {
        case .ping:
            guard self.pingTimer == token else { return }
            self.pingTimer = nil
            self.perform(self.machine.pingDue())
        case .pong:
            guard self.pongTimer == token else { return }
            self.pongTimer = nil
            self.perform(self.machine.pongTimedOut())
        case .upgrade:
            guard self.upgradeTimer == token else { return }
            self.upgradeTimer = nil
            self.perform(self.machine.upgradeTimedOut())
        }
    }

    /// Watches the connection of a held GET: a held GET whose connection closes ends the session.
    private func watchConnection(of poll: Poll) {
        let connectionClosed = poll.connectionClosed
        guard self.watchedConnection !== connectionClosed else { return }
        self.watchedConnection = connectionClosed
        let link = self.link ?? EngineIOSessionLink(self)
        self.link = link
        connectionClosed.hop(to: self.eventLoop).assumeIsolated().whenComplete { _ in
            guard let session = link.session, session.machine.heldPoll?.connectionClosed === connectionClosed else { return }
            session.perform(session.machine.heldPollConnectionClosed())
        }
    }

    private func answer(_ poll: Poll, _ answer: StateMachine.PollAnswer) {
        switch answer {
        case .frames(let frames):
            var body = ByteBuffer()
            EngineIOPayload.encode(frames: frames, into: &body)
            var headers = poll.headers
            headers.add(name: "content-type", value: "text/plain; charset=UTF-8")
            poll.promise.succeed(EngineIOHTTPResponse(status: .ok, headers: headers, body: body))
        case .badRequest:
            poll.promise.succeed(EngineIOServerError.badRequest.response(headers: poll.headers))
        }
    }

    /// Writes queued frames while the WebSocket can take them; the rest wait for
    /// `webSocketBecameWritable`.
    private func flushQueue(to webSocket: WebSocketTransport) {
        var wrote = false
        while let frame = self.machine.popQueuedFrame() {
            webSocket.write(frame, flush: false)
            wrote = true
            if !webSocket.isWritable { break }
        }
        if wrote { webSocket.flush() }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let parts = self.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
