import Metrics
import NIOCore

/// The open Engine.IO sessions of one event loop, by sid. Confined to that loop.
final class EngineIOSessionRegistry {
    private var sessions: [String: EngineIOSocket] = [:]
    private let perAddress: SessionsPerAddress
    /// Flushes the WebSockets of this loop's sessions once per run of tasks.
    let flushBatch: WebSocketFlushBatch

    init(perAddress: SessionsPerAddress, eventLoop: EventLoop) {
        self.perAddress = perAddress
        self.flushBatch = WebSocketFlushBatch(eventLoop: eventLoop)
    }

    /// `zenith_realtime_sessions{transport}` and `zenith_realtime_upgrades_total`.
    private let pollingSessions = Meter(label: "zenith_realtime_sessions", dimensions: [("transport", "polling")])
    private let webSocketSessions = Meter(label: "zenith_realtime_sessions", dimensions: [("transport", "websocket")])
    private let upgrades = Counter(label: "zenith_realtime_upgrades_total")
    private let slowConsumers = Counter(label: "zenith_realtime_dropped_total", dimensions: [("reason", "slow_consumer")])

    func add(_ socket: EngineIOSocket) {
        self.sessions[socket.id] = socket
        self.meter(for: socket.transportName).increment()
    }

    func remove(_ socket: EngineIOSocket) {
        if self.sessions.removeValue(forKey: socket.id) != nil {
            self.perAddress.release(socket.handshake.remoteAddress)
            self.meter(for: socket.transportName).decrement()
        }
    }

    /// A session moved from polling to its WebSocket.
    func sessionUpgraded() {
        self.pollingSessions.decrement()
        self.webSocketSessions.increment()
        self.upgrades.increment()
    }

    private func meter(for transport: String) -> Meter {
        transport == "websocket" ? self.webSocketSessions : self.pollingSessions
    }

    func session(id: String) -> EngineIOSocket? {
        self.sessions[id]
    }

    func countDroppedSlowConsumer() {
        self.slowConsumers.increment()
    }

    /// Drops every session without a close packet, so that clients reconnect (server shutdown).
    func dropAll() {
        for session in Array(self.sessions.values) {
            session.drop(reason: "server shutting down")
        }
    }
}
