import NIOCore

/// The open Engine.IO sessions of one event loop, by sid. Confined to that loop.
final class EngineIOSessionRegistry {
    private var sessions: [String: EngineIOSocket] = [:]
    let loopIndex: Int
    private let statistics: EngineIOStatistics

    init(loopIndex: Int, statistics: EngineIOStatistics) {
        self.loopIndex = loopIndex
        self.statistics = statistics
    }

    func add(_ socket: EngineIOSocket) {
        self.sessions[socket.id] = socket
        self.statistics.sessionOpened()
    }

    func remove(_ socket: EngineIOSocket) {
        if self.sessions.removeValue(forKey: socket.id) != nil {
            self.statistics.sessionClosed()
        }
    }

    func session(id: String) -> EngineIOSocket? {
        self.sessions[id]
    }

    func countDroppedSlowConsumer() {
        self.statistics.slowConsumerDropped()
    }

    /// Drops every session without a close packet, so that clients reconnect (server shutdown).
    func dropAll() {
        for session in Array(self.sessions.values) {
            session.drop(reason: "server shutting down")
        }
    }
}
