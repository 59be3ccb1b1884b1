import Prometheus
import ZenithProxy

/// Writes the proxy's per-loop metrics, added up (`ProxyMetricsSnapshot`), in Prometheus's text
/// format after the registry's families, with the names, types, labels and number formats the
/// swift-prometheus handles they replace had (counter, gauge as a decimal, histogram with the
/// factory's default duration buckets).
enum ProxyMetricsExposition {
    static func emit(_ snapshot: ProxyMetricsSnapshot, into text: inout [UInt8]) {
        let requests = snapshot.requests.sorted { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }
        family("zenith_requests_total", type: "counter", series: requests, into: &text) { series, count, text in
            sample("zenith_requests_total", [("route", series.route), ("status", series.status)], "\(count)", into: &text)
        }
        let connections = snapshot.clientConnections.sorted { $0.key < $1.key }
        family("zenith_client_connections", type: "gauge", series: connections, into: &text) { name, count, text in
            sample("zenith_client_connections", [("protocol", name)], "\(Double(count))", into: &text)
        }
        let upstreams = snapshot.upstreams.sorted { $0.key < $1.key }
        family("zenith_upstream_connections", type: "gauge", series: upstreams, into: &text) { name, upstream, text in
            for (state, count) in [("open", upstream.open), ("idle", upstream.idle)] {
                sample("zenith_upstream_connections", [("upstream", name), ("state", state)], "\(Double(count))", into: &text)
            }
        }
        family("zenith_upstream_response_seconds", type: "histogram", series: upstreams, into: &text) { name, upstream, text in
            emitHistogram("zenith_upstream_response_seconds", upstream: name, upstream.responseTimes, into: &text)
        }
    }

    /// A `# TYPE` line and the family's samples, or nothing if it has no series yet (as the
    /// registry does for a handle never made).
    private static func family<Key, Value>(
        _ name: String, type: String, series: [(key: Key, value: Value)], into text: inout [UInt8],
        _ emitSeries: (Key, Value, inout [UInt8]) -> Void
    ) {
        guard !series.isEmpty else { return }
        text.append(contentsOf: "# TYPE \(name) \(type)\n".utf8)
        for (key, value) in series {
            emitSeries(key, value, &text)
        }
    }

    private static func emitHistogram(
        _ name: String, upstream: String, _ histogram: ResponseTimeHistogram, into text: inout [UInt8]
    ) {
        let bounds = ResponseTimeHistogram.boundsNanoseconds.map { Duration.nanoseconds($0).bucketRepresentation }
        for (bound, count) in zip(bounds, histogram.cumulativeCounts) {
            sample(name + "_bucket", [("upstream", upstream), ("le", bound)], "\(count)", into: &text)
        }
        sample(name + "_bucket", [("upstream", upstream), ("le", "+Inf")], "\(histogram.count)", into: &text)
        let sum = Duration.nanoseconds(histogram.sumNanoseconds).bucketRepresentation
        sample(name + "_sum", [("upstream", upstream)], sum, into: &text)
        sample(name + "_count", [("upstream", upstream)], "\(histogram.count)", into: &text)
    }

    /// `name{label="value",...} value`, label values escaped as the text format wants.
    private static func sample(_ name: String, _ labels: [(String, String)], _ value: String, into text: inout [UInt8]) {
        text.append(contentsOf: name.utf8)
        text.append(UInt8(ascii: "{"))
        for (index, (label, labelValue)) in labels.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: label.utf8)
            text.append(contentsOf: "=\"".utf8)
            for byte in labelValue.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): text.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\""): text.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\n"): text.append(contentsOf: "\\n".utf8)
                default: text.append(byte)
                }
            }
            text.append(UInt8(ascii: "\""))
        }
        text.append(contentsOf: "} \(value)\n".utf8)
    }
}
