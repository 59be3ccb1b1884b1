import NIOCore

/// One upstream's metrics on one event loop, shared by the loop's successive pools to that
/// upstream (a reload may replace a pool while its connections drain): kept by `ProxyMetrics`
/// and changed by the pools with no lock and no atomic.
final class UpstreamMetrics {
    /// `zenith_upstream_connections{upstream, state="open"}`.
    let open = LoopGauge()
    /// `zenith_upstream_connections{upstream, state="idle"}`.
    let idle = LoopGauge()
    /// `zenith_upstream_response_seconds{upstream}`: from sending a request to its response head.
    private(set) var responseTimes = ResponseTimeHistogram()

    func recordResponseTime(_ elapsed: TimeAmount) {
        self.responseTimes.record(elapsed)
    }

    var snapshot: ProxyMetricsSnapshot.Upstream {
        ProxyMetricsSnapshot.Upstream(open: self.open.value, idle: self.idle.value, responseTimes: self.responseTimes)
    }
}
