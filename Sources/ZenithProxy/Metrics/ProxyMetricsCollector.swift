import NIOCore

/// Adds up the proxy's per-loop metrics for a scrape. Each loop keeps its own counts (plain
/// integers that only it changes, so a request takes no lock and touches no cache line another
/// core writes); a scrape asks every loop for its counts, on that loop, and sums them.
public struct ProxyMetricsCollector: Sendable {
    let contexts: [NIOLoopBound<LoopContext>]

    /// Every loop's metrics, added up, answered on `eventLoop`.
    public func collect(on eventLoop: EventLoop) -> EventLoopFuture<ProxyMetricsSnapshot> {
        let parts = self.contexts.map { context in
            context.eventLoop.submit { context.value.metrics.snapshot }
        }
        return EventLoopFuture.reduce(ProxyMetricsSnapshot(), parts, on: eventLoop) { total, part in
            total.adding(part)
        }
    }
}
