/// A gauge of one event loop (open connections, idle connections): a plain integer, since only
/// its loop changes it; a scrape adds up every loop's (`ProxyMetricsCollector`). Replaces a
/// swift-metrics `Meter`, whose every change was an atomic compare-and-swap on a value that all
/// loops share.
final class LoopGauge {
    private(set) var value = 0

    func increment() {
        self.value += 1
    }

    func decrement(by amount: Int = 1) {
        self.value -= amount
    }
}
