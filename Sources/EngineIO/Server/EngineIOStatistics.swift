import NIOConcurrencyHelpers

/// Counters of an Engine.IO server, readable from any thread (for metrics and tests).
public final class EngineIOStatistics: Sendable {
    private struct Counts {
        var openSessions = 0
        var slowConsumersDropped = 0
    }

    private let counts = NIOLockedValueBox(Counts())

    public init() {}

    public var openSessions: Int { self.counts.withLockedValue { $0.openSessions } }
    public var slowConsumersDropped: Int { self.counts.withLockedValue { $0.slowConsumersDropped } }

    func sessionOpened() { self.counts.withLockedValue { $0.openSessions += 1 } }
    func sessionClosed() { self.counts.withLockedValue { $0.openSessions -= 1 } }
    func slowConsumerDropped() { self.counts.withLockedValue { $0.slowConsumersDropped += 1 } }
}
