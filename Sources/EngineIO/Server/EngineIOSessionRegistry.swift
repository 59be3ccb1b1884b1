import Metrics
import NIOCore

/// The open Engine.IO sessions of one event loop, by sid. Confined to that loop.
final class EngineIOSessionRegistry {
    private var sessions: [String: EngineIOSession] = [:]
    private let perAddress: SessionsPerAddress
    /// Flushes the WebSockets of this loop's sessions once per run of tasks.
    let flushBatch: WebSocketFlushBatch
    /// The heartbeat and upgrade timers of this loop's sessions.
    let timers: EngineIOSessionTimers
    /// The server's settings, read by its sessions here rather than each holding a copy.
    let configuration: EngineIOConfiguration

    init(perAddress: SessionsPerAddress, eventLoop: EventLoop, configuration: EngineIOConfiguration) {
        self.perAddress = perAddress
        self.configuration = configuration
        self.flushBatch = WebSocketFlushBatch(eventLoop: eventLoop)
        self.timers = EngineIOSessionTimers(eventLoop: eventLoop)
    }

    /// `zenith_realtime_sessions{transport}` and `zenith_realtime_upgrades_total`.
    private let pollingSessions = Meter(label: "zenith_realtime_sessions", dimensions: [("transport", "polling")])
    private let webSocketSessions = Meter(label: "zenith_realtime_sessions", dimensions: [("transport", "websocket")])
    private let upgrades = Counter(label: "zenith_realtime_upgrades_total")
    private let slowConsumers = Counter(label: "zenith_realtime_dropped_total", dimensions: [("reason", "slow_consumer")])

    func add(_ session: EngineIOSession) {
        self.sessions[session.id] = session
        self.meter(for: session.transportName).increment()
    }

    func remove(_ session: EngineIOSession) {
        if self.sessions.removeValue(forKey: session.id) != nil {
            self.perAddress.release(session.handshake.remoteAddress)
            self.meter(for: session.transportName).decrement()
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

    func session(id: String) -> EngineIOSession? {
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
