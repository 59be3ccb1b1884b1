import NIOCore
import NIOHTTP1

/// One Engine.IO v4 session: its transport (long polling, then possibly a WebSocket after the
/// probe/upgrade dance), its bounded queue of outgoing frames, and its heartbeat.
///
/// Lives on one event loop (the one its sid names) and is only touched there; a WebSocket carrying
/// it may live on another loop, which `WebSocketTransport` bridges.
public final class EngineIOSocket {
    private enum Transport {
        case polling
        case webSocket(WebSocketTransport)
    }

    public let id: String
    public let eventLoop: EventLoop
    /// The request that opened the session (headers for cookies and origin, client address).
    public let handshake: EngineIOHTTPRequest
    /// Set by `onConnection`; released when the session closes (it refers back to the session).
    public var delegate: EngineIOSocketDelegate?
    public private(set) var isClosed = false

    private let configuration: EngineIOConfiguration
    private let registry: EngineIOSessionRegistry
    private var transport = Transport.polling
    /// A WebSocket that has been opened for this session and is being probed.
    private var probe: WebSocketTransport?
    /// `probe` has answered the client's `2probe`: the upgrade is under way, and polls that find
    /// nothing to send are ended at once with a noop (as the reference server does within 100 ms).
    private var probeAnswered = false
    private var queue = CircularBuffer<EngineIOFrame>()
    private var pendingPoll: (
        promise: EventLoopPromise<EngineIOHTTPResponse>, headers: HTTPHeaders, connectionClosed: EventLoopFuture<Void>
    )?
    /// The connection whose closing is watched for held polls. A keep-alive connection carries
    /// many polls: it is watched once, not once per poll (a callback per poll on its close future
    /// would stay there, with its response, as long as the connection lives).
    private var watchedConnection: EventLoopFuture<Void>?
    private var pingTimer: Scheduled<Void>?
    private var pongTimer: Scheduled<Void>?
    private var upgradeTimer: Scheduled<Void>?

    init(
        id: String, eventLoop: EventLoop, handshake: EngineIOHTTPRequest, configuration: EngineIOConfiguration,
        registry: EngineIOSessionRegistry
    ) {
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = handshake
        self.configuration = configuration
        self.registry = registry
    }

    /// The transport clients use now: "polling" or "websocket".
    public var transportName: String {
        if case .webSocket = self.transport { return "websocket" }
        return "polling"
    }

    var openPacket: EngineIOFrame {
        let open = EngineIOOpenPacket(
            sid: self.id, upgrades: self.transportName == "polling" ? ["websocket"] : [],
            pingInterval: Int(self.configuration.pingInterval.milliseconds),
            pingTimeout: Int(self.configuration.pingTimeout.milliseconds), maxPayload: self.configuration.maxPayload
        )
        return EngineIOFrame(open.packet)
    }

    // MARK: Sending

    /// Queues a frame for the client; a client that lets `maxQueuedPackets` pile up is a slow
    /// consumer and is disconnected (the frame is dropped).
    public func send(_ frame: EngineIOFrame) {
        guard !self.isClosed else { return }
        if case .webSocket(let webSocket) = self.transport, self.queue.isEmpty, webSocket.isWritable {
            webSocket.write(frame, flush: false)
            self.registry.flushBatch.add(webSocket)
            return
        }
        guard self.queue.count < self.configuration.maxQueuedPackets else {
            self.registry.countDroppedSlowConsumer()
            self.close(reason: "slow consumer")
            return
        }
        self.queue.append(frame)
        switch self.transport {
        case .polling:
            self.answerPendingPoll()
        case .webSocket(let webSocket):
            if webSocket.isWritable { self.flushQueue(to: webSocket) }
        }
    }

    /// Sends the frames of a broadcast: a WebSocket that can take them now gets the frames'
    /// WebSocket bytes shared by every recipient, anything else the frames one by one.
    public func send(_ broadcast: EngineIOBroadcastFrames) {
        guard !self.isClosed else { return }
        if case .webSocket(let webSocket) = self.transport, self.queue.isEmpty, webSocket.isWritable,
            webSocket.writeEncoded(broadcast.webSocketBytes)
        {
            self.registry.flushBatch.add(webSocket)
            return
        }
        for frame in broadcast.frames {
            self.send(frame)
        }
    }

    /// Ends the session from the server side; the client is told with a close packet (clients
    /// take it as "disconnected on purpose" and do not reconnect).
    public func close() {
        self.close(reason: "server close", notifyClient: true)
    }

    /// Ends the session without a close packet, as if the connection had dropped, so that clients
    /// reconnect (to this server once it is back, or to another one): for drains and restarts.
    public func drop(reason: String) {
        self.close(reason: reason, notifyClient: false)
    }

    // MARK: Lifecycle

    func start(over webSocket: WebSocketTransport?) {
        if let webSocket {
            self.transport = .webSocket(webSocket)
            webSocket.attach(to: self)
            webSocket.write(self.openPacket, flush: true)
        }
        self.schedulePing()
    }

    func close(reason: String, notifyClient: Bool = true) {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.pingTimer?.cancel()
        self.pongTimer?.cancel()
        self.upgradeTimer?.cancel()
        self.registry.remove(self)
        switch self.transport {
        case .polling:
            if let poll = self.pendingPoll {
                self.pendingPoll = nil
                // Without the close packet the client's next poll finds no session and it reconnects.
                let frame: EngineIOFrame = notifyClient ? .control(.close) : .control(.noop)
                poll.promise.succeed(self.pollResponse([frame], headers: poll.headers))
            }
        case .webSocket(let webSocket):
            if notifyClient { webSocket.write(.control(.close), flush: true) }
            webSocket.close()
        }
        self.probe?.close()
        self.probe = nil
        self.queue.removeAll()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.engineIOSocketDidClose(self, reason: reason)
    }

    // MARK: Heartbeat

    private func schedulePing() {
        self.pingTimer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.configuration.pingInterval)) {
            [weak self] in
            guard let self, !self.isClosed else { return }
            self.send(.control(.ping))
            self.pongTimer = self.eventLoop.assumeIsolated().scheduleTask(
                in: TimeAmount(self.configuration.pingTimeout)
            ) { [weak self] in
                self?.close(reason: "ping timeout")
            }
        }
    }

    private func pongReceived() {
        guard let pongTimer = self.pongTimer else { return }
        pongTimer.cancel()
        self.pongTimer = nil
        self.schedulePing()
    }

    // MARK: Polling

    func poll(_ request: EngineIOHTTPRequest, headers: HTTPHeaders) -> EventLoopFuture<EngineIOHTTPResponse> {
        guard case .polling = self.transport else {
            return self.eventLoop.makeSucceededFuture(EngineIOServerError.badRequest.response(headers: headers))
        }
        if self.pendingPoll != nil {
            // Two GETs at once: the spec says the session is broken.
            self.close(reason: "overlapping poll")
            return self.eventLoop.makeSucceededFuture(EngineIOServerError.badRequest.response(headers: headers))
        }
        if !self.queue.isEmpty {
            return self.eventLoop.makeSucceededFuture(self.pollResponse(self.takeQueued(), headers: headers))
        }
        if self.probe != nil, self.probeAnswered {
            // Upgrade under way: the client is to stop polling and send `5` over the WebSocket;
            // holding this GET until the next ping would only delay it.
            return self.eventLoop.makeSucceededFuture(self.pollResponse([.control(.noop)], headers: headers))
        }
        let promise = self.eventLoop.makePromise(of: EngineIOHTTPResponse.self)
        let connectionClosed = request.connectionClosed
        self.pendingPoll = (promise, headers, connectionClosed)
        if self.watchedConnection !== connectionClosed {
            self.watchedConnection = connectionClosed
            connectionClosed.hop(to: self.eventLoop).assumeIsolated().whenComplete { [weak self] _ in
                guard let self, let poll = self.pendingPoll, poll.connectionClosed === connectionClosed else { return }
                self.pendingPoll = nil
                poll.promise.succeed(EngineIOServerError.badRequest.response(headers: poll.headers))
                self.close(reason: "poll connection closed prematurely")
            }
        }
        return promise.futureResult
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
        for packet in packets where !self.isClosed {
            self.received(packet, over: nil)
        }
        var headers = headers
        headers.add(name: "content-type", value: "text/html")
        return EngineIOHTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "ok"))
    }

    private func answerPendingPoll() {
        guard let poll = self.pendingPoll else { return }
        self.pendingPoll = nil
        poll.promise.succeed(self.pollResponse(self.takeQueued(), headers: poll.headers))
    }

    /// Queued frames up to `maxPayload` bytes (always at least one).
    private func takeQueued() -> [EngineIOFrame] {
        var frames: [EngineIOFrame] = []
        var bytes = 0
        while let next = self.queue.first, frames.isEmpty || bytes + next.byteCount < self.configuration.maxPayload {
            bytes += next.byteCount + 1
            frames.append(self.queue.removeFirst())
        }
        return frames
    }

    private func pollResponse(_ frames: [EngineIOFrame], headers: HTTPHeaders) -> EngineIOHTTPResponse {
        var body = ByteBuffer()
        EngineIOPayload.encode(frames: frames, into: &body)
        var headers = headers
        headers.add(name: "content-type", value: "text/plain; charset=UTF-8")
        return EngineIOHTTPResponse(status: .ok, headers: headers, body: body)
    }

    // MARK: WebSocket

    /// A WebSocket for this (polling) session has been opened; it must now pass the probe.
    func beginUpgrade(_ webSocket: WebSocketTransport) {
        guard !self.isClosed, case .polling = self.transport, self.probe == nil else {
            webSocket.close()
            return
        }
        self.probe = webSocket
        self.probeAnswered = false
        webSocket.attach(to: self)
        let probeID = ObjectIdentifier(webSocket)
        self.upgradeTimer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.configuration.upgradeTimeout)) {
            [weak self] in
            guard let self, let probe = self.probe, ObjectIdentifier(probe) == probeID else { return }
            self.probe = nil
            probe.close()
        }
    }

    func webSocket(_ webSocket: WebSocketTransport, received packet: EngineIOPacket) {
        guard !self.isClosed else { return }
        if self.probe === webSocket {
            switch packet {
            case .ping("probe"):
                webSocket.write(.control(.pong, "probe"), flush: true)
                self.probeAnswered = true
                // Complete the pending poll so the client can pause polling and send `5`.
                if let poll = self.pendingPoll {
                    self.pendingPoll = nil
                    poll.promise.succeed(self.pollResponse([.control(.noop)], headers: poll.headers))
                }
            case .upgrade:
                self.upgradeTimer?.cancel()
                self.probe = nil
                self.transport = .webSocket(webSocket)
                self.registry.sessionUpgraded()
                if let poll = self.pendingPoll {
                    self.pendingPoll = nil
                    poll.promise.succeed(self.pollResponse([.control(.noop)], headers: poll.headers))
                }
                self.flushQueue(to: webSocket)
            default:
                self.probe = nil
                webSocket.close()
            }
            return
        }
        guard case .webSocket(let current) = self.transport, current === webSocket else { return }
        self.received(packet, over: webSocket)
    }

    func webSocketBecameWritable(_ webSocket: WebSocketTransport) {
        guard case .webSocket(let current) = self.transport, current === webSocket else { return }
        self.flushQueue(to: webSocket)
    }

    func webSocketClosed(_ webSocket: WebSocketTransport) {
        if self.probe === webSocket {
            self.probe = nil
            return
        }
        guard case .webSocket(let current) = self.transport, current === webSocket else { return }
        self.close(reason: "transport close")
    }

    func webSocketFailed(_ webSocket: WebSocketTransport, reason: String) {
        guard case .webSocket(let current) = self.transport, current === webSocket else {
            webSocket.close()
            return
        }
        self.close(reason: reason)
    }

    private func flushQueue(to webSocket: WebSocketTransport) {
        guard !self.queue.isEmpty else { return }
        while let frame = self.queue.popFirst() {
            webSocket.write(frame, flush: false)
            if !webSocket.isWritable { break }
        }
        webSocket.flush()
    }

    // MARK: Incoming packets

    private func received(_ packet: EngineIOPacket, over webSocket: WebSocketTransport?) {
        switch packet {
        case .pong:
            self.pongReceived()
        case .message(let text):
            self.delegate?.engineIOSocket(self, didReceiveText: text)
        case .binaryMessage(let data):
            self.delegate?.engineIOSocket(self, didReceiveBinary: data)
        case .close:
            // The client is leaving. Over a WebSocket it is answered with a close packet; over
            // polling a pending GET is ended with a noop, as the reference server does (a close
            // packet there is the server's own decision to end the session).
            self.close(reason: "transport close", notifyClient: webSocket != nil)
        case .ping, .open, .upgrade, .noop:
            // Not for a server in v4 outside the probe; ignored like the reference server does.
            break
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let parts = self.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
