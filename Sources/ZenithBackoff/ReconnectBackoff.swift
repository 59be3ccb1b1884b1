import NIOCore

/// How long a client of another service (Redis, the AMQP broker) waits before its next
/// connection attempt: exponential from `initial` up to `maximum`, each delay shortened by a
/// random part of up to `jitter` of itself, so that the nodes of a cluster do not all come back
/// at the same instant.
public struct ReconnectBackoff: Sendable, Hashable {
    public var initial: TimeAmount
    public var maximum: TimeAmount
    /// 0...1: the largest fraction of a delay taken off at random.
    public var jitter: Double

    public init(initial: TimeAmount, maximum: TimeAmount, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay before attempt `attempt` (0 for the first retry); `random` is in 0..<1.
    public func delay(attempt: Int, random: Double = Double.random(in: 0..<1)) -> TimeAmount {
        let doublings = min(max(attempt, 0), 30)
        let full = min(maximum.nanoseconds, initial.nanoseconds.multipliedReportingOverflow(by: 1 << doublings).partialValue)
        let capped = full < 0 ? maximum.nanoseconds : full
        return .nanoseconds(capped - Int64(Double(capped) * jitter * random))
    }
}
