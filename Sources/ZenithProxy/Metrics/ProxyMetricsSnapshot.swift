/// The proxy's metrics as a scrape sees them: every event loop's `ProxyMetrics` added up, by the
/// labels they are exposed with (`zenith_requests_total`, `zenith_client_connections`,
/// `zenith_upstream_connections`, `zenith_upstream_response_seconds`).
public struct ProxyMetricsSnapshot: Sendable {
    /// The labels of one `zenith_requests_total` series.
    public struct RequestSeries: Hashable, Sendable {
        /// The rule's `file:line`, or `none`.
        public let route: String
        /// The status class (`2xx`...), or `none` for an aborted request.
        public let status: String
    }

    /// One upstream's connections and response times.
    public struct Upstream: Sendable {
        public var open: Int
        public var idle: Int
        public var responseTimes: ResponseTimeHistogram
    }

    public var requests: [RequestSeries: Int] = [:]
    /// Open client connections (HTTP/2: streams) by protocol.
    public var clientConnections: [String: Int] = [:]
    /// By upstream name.
    public var upstreams: [String: Upstream] = [:]

    public init() {}

    init(requests: [RequestSeries: Int], clientConnections: [String: Int], upstreams: [String: Upstream]) {
        self.requests = requests
        self.clientConnections = clientConnections
        self.upstreams = upstreams
    }

    /// This snapshot with `other`'s figures added, series by series.
    func adding(_ other: ProxyMetricsSnapshot) -> ProxyMetricsSnapshot {
        var total = self
        total.requests.merge(other.requests, uniquingKeysWith: +)
        total.clientConnections.merge(other.clientConnections, uniquingKeysWith: +)
        total.upstreams.merge(other.upstreams) { mine, theirs in
            var sum = mine
            sum.open += theirs.open
            sum.idle += theirs.idle
            sum.responseTimes.add(theirs.responseTimes)
            return sum
        }
        return total
    }
}
