import Metrics
import ZenithConfig

/// The proxy's metrics for one event loop. Those that change per request or per connection
/// (requests, client connections, upstream connections and response times) are plain integers
/// here, summed over the loops at scrape time (`ProxyMetricsCollector`): a swift-prometheus handle
/// is shared by every loop, and each change of it was an atomic operation or, for a histogram, a
/// lock. The rare ones stay swift-metrics handles, made once (swift-metrics looks a handle up in
/// its factory, under a lock, when it is made).
final class ProxyMetrics {
    /// By route line and status class (line × 8 + class), the index of its series in
    /// `requestSeries` and `requestCounts`: no string is made per request.
    private var requestSeriesIndex: [Int: Int] = [:]
    private var requestSeries: [ProxyMetricsSnapshot.RequestSeries] = []
    private var requestCounts: [Int] = []
    private var connections: [String: LoopGauge] = [:]
    private var upstreams: [String: UpstreamMetrics] = [:]
    // Made on first use, after the executable has bootstrapped the metrics system.
    private lazy var injected = Counter(label: "zenith_injected_total")
    private lazy var injectionsSkippedEncoded = Counter(
        label: "zenith_inject_skipped_total", dimensions: [("reason", "encoded")]
    )
    private lazy var sendTimeouts = Counter(label: "zenith_client_timeouts_total", dimensions: [("kind", "send")])
    private lazy var bodyTimeouts = Counter(label: "zenith_client_timeouts_total", dimensions: [("kind", "body")])

    /// `zenith_requests_total{route, status}`: `status` is the class (2xx, 4xx...), `route` the
    /// rule's file:line (or `none`).
    func countRequest(route: ActiveRoutes.Entry?, status: UInt) {
        let statusClass = Int(min(status / 100, 6))  // 0 = no status (aborted), 1...5, 6 = anything odd
        let key = (route?.rule.line ?? 0) * 8 + statusClass
        if let index = self.requestSeriesIndex[key] {
            self.requestCounts[index] += 1
            return
        }
        let series = ProxyMetricsSnapshot.RequestSeries(
            route: route.map { "\($0.rule.file.split(separator: "/").last ?? ""):\($0.rule.line)" } ?? "none",
            status: statusClass == 0 ? "none" : "\(statusClass)xx"
        )
        let index = self.requestSeries.firstIndex(of: series) ?? self.addRequestSeries(series)
        self.requestSeriesIndex[key] = index
        self.requestCounts[index] += 1
    }

    private func addRequestSeries(_ series: ProxyMetricsSnapshot.RequestSeries) -> Int {
        self.requestSeries.append(series)
        self.requestCounts.append(0)
        return self.requestSeries.count - 1
    }

    /// A reload may give a line another rule: forget which series a line maps to.
    func routesChanged() {
        self.requestSeriesIndex.removeAll()
    }

    /// `zenith_client_connections{protocol}`: open client connections (HTTP/2: streams).
    func clientConnection(_ protocolName: String) -> LoopGauge {
        if let gauge = self.connections[protocolName] { return gauge }
        let gauge = LoopGauge()
        self.connections[protocolName] = gauge
        return gauge
    }

    /// The metrics of the upstream `name` on this loop, kept across reloads.
    func upstream(named name: String) -> UpstreamMetrics {
        if let metrics = self.upstreams[name] { return metrics }
        let metrics = UpstreamMetrics()
        self.upstreams[name] = metrics
        return metrics
    }

    /// This loop's per-request and per-connection figures, to be added to the other loops'.
    var snapshot: ProxyMetricsSnapshot {
        ProxyMetricsSnapshot(
            requests: Dictionary(zip(self.requestSeries, self.requestCounts), uniquingKeysWith: +),
            clientConnections: self.connections.mapValues(\.value),
            upstreams: self.upstreams.mapValues(\.snapshot)
        )
    }

    /// `zenith_injected_total`: pages that got the script tag of an `inject=` route.
    func countInjection() {
        self.injected.increment()
    }

    /// `zenith_inject_skipped_total{reason="encoded"}`: pages of an `inject=` route sent without
    /// the tag because the backend compressed them.
    func countInjectionSkippedEncoded() {
        self.injectionsSkippedEncoded.increment()
    }

    /// `zenith_client_timeouts_total{kind="send"}`: connections closed because the client took
    /// no bytes of its response for `send_timeout`.
    func countSendTimeout() {
        self.sendTimeouts.increment()
    }

    /// `zenith_client_timeouts_total{kind="body"}`: requests ended with 408 because the client
    /// sent no body bytes for `body_timeout`.
    func countBodyTimeout() {
        self.bodyTimeouts.increment()
    }
}
