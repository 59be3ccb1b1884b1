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

    /// Closes every session with a close packet (server shutdown).
    func closeAll() {
        for session in Array(self.sessions.values) {
            session.close()
        }
    }
}
