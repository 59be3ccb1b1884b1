import NIOCore

/// The life of one Engine.IO v4 session as a value: the transport that carries it (long polling,
/// with a WebSocket being probed for an upgrade, then possibly that WebSocket), the GET held open,
/// the heartbeat, and the bounded queue of frames not sent yet.
///
/// Each event is a `mutating` method that returns what to do; `EngineIOSession` owns the machine
/// and does it (timers, writes, answers to polls, delegate calls). Generic over the WebSocket and
/// the held poll so that tests drive it with plain values.
struct EngineIOSessionStateMachine<WebSocket: EngineIOSessionWebSocket, Poll> {
    private enum State {
        case open(Transport)
        /// `wasOnWebSocket` names the transport the session ended on (for the registry's meters).
        case closed(wasOnWebSocket: Bool)
    }

    private enum Transport {
        case polling(Polling)
        case webSocket(WebSocket)
    }

    /// A polling session: whether a GET is held open, and how far an upgrade has come.
    private enum Polling {
        /// No GET is held; `probe` has not answered `2probe` yet.
        case idle(probe: WebSocket?)
        /// A GET waits for frames; `probe` has not answered `2probe` yet.
        case holding(Poll, probe: WebSocket?)
        /// The probe has answered `2probe`: the client is to stop polling and send `5` over it,
        /// so GETs are answered at once (with a noop when nothing is queued, as the reference
        /// server does within 100 ms) and never held.
        case upgrading(WebSocket)

        var probe: WebSocket? {
            switch self {
            case .idle(let probe), .holding(_, let probe): probe
            case .upgrading(let probe): probe
            }
        }

        var heldPoll: Poll? {
            if case .holding(let poll, _) = self { return poll }
            return nil
        }

        /// The same polling state once the probe has gone.
        var withoutProbe: Polling {
            if case .holding(let poll, _) = self { return .holding(poll, probe: nil) }
            return .idle(probe: nil)
        }
    }

    /// Which heartbeat timer runs: the one that sends the next ping, or the one that waits for
    /// its pong. Meaningless once the session is closed (every timer is cancelled then).
    private enum Heartbeat {
        case waitingToPing
        case awaitingPong
    }

    /// How a GET is answered.
    enum PollAnswer {
        case frames([EngineIOFrame])
        case badRequest
    }

    /// How the session ends: done by the owner in this order, after cancelling every timer and
    /// leaving the registry; the delegate is told last.
    struct Closing {
        /// How the transport ends.
        enum TransportEnd {
            /// The GET held at the end, if any, and its last answer.
            case polling(endingPoll: (Poll, PollAnswer)?)
            /// The WebSocket to close, after a close packet when `sendClosePacket`.
            case webSocket(WebSocket, sendClosePacket: Bool)
        }

        let reason: String
        let transport: TransportEnd
        /// A WebSocket being probed at the end: closed too.
        let probe: WebSocket?
    }

    /// What to do with frames that became ready to go out (`send`, a WebSocket writable again).
    enum Output {
        case none
        /// Write the frame to the WebSocket unflushed; the loop's flush batch flushes it.
        case write(EngineIOFrame, to: WebSocket)
        /// Write queued frames (`popQueuedFrame`) to the WebSocket while it stays writable, then
        /// flush.
        case flushQueue(to: WebSocket)
        case answerPoll(Poll, PollAnswer)
        /// The queue is full: the client is a slow consumer and the session ends.
        case dropSlowConsumer(Closing)
    }

    /// What to do after any other event.
    enum Action {
        case none
        /// Arm the pong timer, then send the ping frame as `Output` says.
        case sendPing(Output)
        /// The pong came: cancel the pong timer and arm the ping timer again.
        case pingAnswered
        case answerPoll(Poll, PollAnswer)
        /// The GET waits in the machine; its connection is to be watched (a held GET whose
        /// connection closes ends the session: `heldPollConnectionClosed`).
        case holdPoll(Poll)
        /// End the session, then answer this GET 400.
        case refusePollAndClose(Poll, Closing)
        case deliverText(String)
        case deliverBinary(ByteBuffer)
        /// Attach the WebSocket to the session and arm the upgrade timer.
        case startProbe(WebSocket)
        /// Write `3probe` (flushed) on the probe; end the held GET, if any, with a noop so that
        /// the client can pause polling and send `5`.
        case answerProbe(WebSocket, endingPoll: Poll?)
        /// The session moved to this WebSocket: cancel the upgrade timer, count the upgrade, end
        /// the held GET with a noop, and flush the queue to the WebSocket.
        case upgrade(to: WebSocket, endingPoll: Poll?)
        /// Cancel the upgrade timer and close the probe.
        case abandonProbe(WebSocket)
        /// The probe closed by itself: cancel the upgrade timer.
        case probeEnded
        /// Close a WebSocket that is not (or no longer) this session's transport or probe.
        case closeWebSocket(WebSocket)
        case close(Closing)
    }

    private var state: State
    private var heartbeat = Heartbeat.waitingToPing
    private var queue = EngineIOFrameQueue()
    private let maxQueuedFrames: Int
    private let maxPayload: Int

    /// A session that starts over `webSocket`, or over polling when it is nil; its ping timer is
    /// to be armed by the owner.
    init(webSocket: WebSocket?, maxQueuedFrames: Int, maxPayload: Int) {
        self.state = .open(webSocket.map { .webSocket($0) } ?? .polling(.idle(probe: nil)))
        self.maxQueuedFrames = maxQueuedFrames
        self.maxPayload = maxPayload
    }

    // MARK: Queries

    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    /// The session is (or ended) on a WebSocket rather than polling.
    var isOnWebSocket: Bool {
        switch self.state {
        case .open(.webSocket), .closed(wasOnWebSocket: true): true
        case .open(.polling), .closed(wasOnWebSocket: false): false
        }
    }

    /// The WebSocket that carries the open session.
    var webSocket: WebSocket? {
        if case .open(.webSocket(let webSocket)) = self.state { return webSocket }
        return nil
    }

    /// The WebSocket that can take a frame now, ahead of nothing queued: the fast path of
    /// delivery, which skips the queue. Mutating though it changes nothing, so that the session
    /// calls it on its stored machine in place: as a getter, the whole machine was copied (its
    /// references retained and released) once per recipient of every broadcast.
    mutating func webSocketReadyToWrite() -> WebSocket? {
        guard case .open(.webSocket(let webSocket)) = self.state, self.queue.isEmpty, webSocket.isWritable else {
            return nil
        }
        return webSocket
    }

    /// The GET held open, whose connection the owner watches.
    var heldPoll: Poll? {
        if case .open(.polling(let polling)) = self.state { return polling.heldPoll }
        return nil
    }

    /// The next queued frame, taken off the queue, for `Output.flushQueue`.
    mutating func popQueuedFrame() -> EngineIOFrame? {
        self.queue.popFirst()
    }

    // MARK: Sending

    /// A frame is to go to the client.
    mutating func send(_ frame: EngineIOFrame) -> Output {
        if let webSocket = self.webSocketReadyToWrite() {
            return .write(frame, to: webSocket)
        }
        guard case .open(let transport) = self.state else { return .none }
        guard self.queue.count < self.maxQueuedFrames else {
            return .dropSlowConsumer(self.end(transport, reason: "slow consumer", notifyClient: true))
        }
        self.queue.append(frame)
        switch transport {
        case .polling(.holding(let poll, let probe)):
            self.state = .open(.polling(.idle(probe: probe)))
            return .answerPoll(poll, .frames(self.takeQueuedForPoll()))
        case .polling(.idle), .polling(.upgrading):
            return .none
        case .webSocket(let webSocket):
            return webSocket.isWritable ? .flushQueue(to: webSocket) : .none
        }
    }

    /// The session's WebSocket can take more bytes again.
    func webSocketBecameWritable(_ webSocket: WebSocket) -> Output {
        guard case .open(.webSocket(let current)) = self.state, current === webSocket, !self.queue.isEmpty else {
            return .none
        }
        return .flushQueue(to: webSocket)
    }

    // MARK: Heartbeat

    /// The ping timer fired.
    mutating func pingDue() -> Action {
        guard !self.isClosed, self.heartbeat == .waitingToPing else { return .none }
        self.heartbeat = .awaitingPong
        return .sendPing(self.send(.control(.ping)))
    }

    /// The pong timer fired: no pong within `pingTimeout`.
    mutating func pongTimedOut() -> Action {
        guard case .open(let transport) = self.state, self.heartbeat == .awaitingPong else { return .none }
        return .close(self.end(transport, reason: "ping timeout", notifyClient: true))
    }

    // MARK: Polling

    /// A GET arrived for this session.
    mutating func pollArrived(_ poll: Poll) -> Action {
        guard case .open(.polling(let polling)) = self.state else { return .answerPoll(poll, .badRequest) }
        switch polling {
        case .holding:
            // Two GETs at once: the spec says the session is broken.
            return .refusePollAndClose(poll, self.end(.polling(polling), reason: "overlapping poll", notifyClient: true))
        case .idle(let probe):
            if !self.queue.isEmpty { return .answerPoll(poll, .frames(self.takeQueuedForPoll())) }
            self.state = .open(.polling(.holding(poll, probe: probe)))
            return .holdPoll(poll)
        case .upgrading:
            // Holding this GET until the next ping would only delay the client's `5`.
            let frames = self.queue.isEmpty ? [EngineIOFrame.control(.noop)] : self.takeQueuedForPoll()
            return .answerPoll(poll, .frames(frames))
        }
    }

    /// The connection of the held GET closed before the GET was answered.
    mutating func heldPollConnectionClosed() -> Action {
        guard case .open(.polling(.holding(let poll, let probe))) = self.state else { return .none }
        // Ended as a session without a held GET: this one is refused, not sent a close packet.
        return .refusePollAndClose(
            poll, self.end(.polling(.idle(probe: probe)), reason: "poll connection closed prematurely", notifyClient: true)
        )
    }

    /// A packet came in the body of a polling POST.
    mutating func packetPosted(_ packet: EngineIOPacket) -> Action {
        self.received(packet, overWebSocket: false)
    }

    // MARK: WebSocket

    /// A WebSocket was opened for this session (`transport=websocket&sid=`): it is to be probed.
    mutating func probeOpened(_ webSocket: WebSocket) -> Action {
        switch self.state {
        case .open(.polling(.idle(probe: nil))):
            self.state = .open(.polling(.idle(probe: webSocket)))
        case .open(.polling(.holding(let poll, probe: nil))):
            self.state = .open(.polling(.holding(poll, probe: webSocket)))
        case .open(.polling), .open(.webSocket), .closed:
            return .closeWebSocket(webSocket)
        }
        return .startProbe(webSocket)
    }

    /// The probe did not send `5` within `upgradeTimeout`.
    mutating func upgradeTimedOut() -> Action {
        guard case .open(.polling(let polling)) = self.state, let probe = polling.probe else { return .none }
        self.state = .open(.polling(polling.withoutProbe))
        return .abandonProbe(probe)
    }

    /// A packet came over a WebSocket: the probe's upgrade dance, or the session's traffic.
    mutating func webSocket(_ webSocket: WebSocket, received packet: EngineIOPacket) -> Action {
        switch self.state {
        case .open(.webSocket(let current)) where current === webSocket:
            return self.received(packet, overWebSocket: true)
        case .open(.polling(let polling)) where polling.probe === webSocket:
            switch packet {
            case .ping("probe"):
                self.state = .open(.polling(.upgrading(webSocket)))
                return .answerProbe(webSocket, endingPoll: polling.heldPoll)
            case .upgrade:
                self.state = .open(.webSocket(webSocket))
                return .upgrade(to: webSocket, endingPoll: polling.heldPoll)
            default:
                self.state = .open(.polling(polling.withoutProbe))
                return .abandonProbe(webSocket)
            }
        case .open, .closed:
            return .none
        }
    }

    /// A WebSocket's channel closed.
    mutating func webSocketClosed(_ webSocket: WebSocket) -> Action {
        switch self.state {
        case .open(.polling(let polling)) where polling.probe === webSocket:
            self.state = .open(.polling(polling.withoutProbe))
            return .probeEnded
        case .open(let transport):
            guard case .webSocket(let current) = transport, current === webSocket else { return .none }
            return .close(self.end(transport, reason: "transport close", notifyClient: true))
        case .closed:
            return .none
        }
    }

    /// A WebSocket sent something that is not Engine.IO.
    mutating func webSocketFailed(_ webSocket: WebSocket, reason: String) -> Action {
        guard case .open(let transport) = self.state, case .webSocket(let current) = transport, current === webSocket else {
            // A failing probe stays the probe until its channel has closed (`webSocketClosed`).
            return .closeWebSocket(webSocket)
        }
        return .close(self.end(transport, reason: reason, notifyClient: true))
    }

    // MARK: Closing

    /// The server ends the session: with a close packet when `notifyClient` (the client takes it
    /// as "disconnected on purpose"), without one to make it reconnect (drain, restart).
    mutating func close(reason: String, notifyClient: Bool) -> Action {
        guard case .open(let transport) = self.state else { return .none }
        return .close(self.end(transport, reason: reason, notifyClient: notifyClient))
    }

    // MARK: Helpers

    private mutating func received(_ packet: EngineIOPacket, overWebSocket: Bool) -> Action {
        guard case .open(let transport) = self.state else { return .none }
        switch packet {
        case .pong:
            guard self.heartbeat == .awaitingPong else { return .none }
            self.heartbeat = .waitingToPing
            return .pingAnswered
        case .message(let text):
            return .deliverText(text)
        case .binaryMessage(let data):
            return .deliverBinary(data)
        case .close:
            // The client is leaving. Over a WebSocket it is answered with a close packet; over
            // polling a held GET is ended with a noop, as the reference server does (a close
            // packet there is the server's own decision to end the session).
            return .close(self.end(transport, reason: "transport close", notifyClient: overWebSocket))
        case .ping, .open, .upgrade, .noop:
            // Not for a server in v4 outside the probe; ignored like the reference server does.
            return .none
        }
    }

    private mutating func end(_ transport: Transport, reason: String, notifyClient: Bool) -> Closing {
        self.queue.removeAll()
        switch transport {
        case .polling(let polling):
            self.state = .closed(wasOnWebSocket: false)
            // Without the close packet the client's next poll finds no session and it reconnects.
            let last = EngineIOFrame.control(notifyClient ? .close : .noop)
            return Closing(
                reason: reason, transport: .polling(endingPoll: polling.heldPoll.map { ($0, .frames([last])) }),
                probe: polling.probe
            )
        case .webSocket(let webSocket):
            self.state = .closed(wasOnWebSocket: true)
            return Closing(reason: reason, transport: .webSocket(webSocket, sendClosePacket: notifyClient), probe: nil)
        }
    }

    /// Queued frames up to `maxPayload` bytes (always at least one), for one poll's answer.
    private mutating func takeQueuedForPoll() -> [EngineIOFrame] {
        var frames: [EngineIOFrame] = []
        var bytes = 0
        while let next = self.queue.first, frames.isEmpty || bytes + next.byteCount < self.maxPayload {
            bytes += next.byteCount + 1
            frames.append(self.queue.popFirst()!)
        }
        return frames
    }
}
