import Metrics
import ZenithConfig

/// The proxy's metrics for one event loop. swift-metrics looks a handle up in its factory (under a
/// lock) when it is made, so handles whose labels vary per request are made once and kept here;
/// the loop confinement makes the caches lock-free.
final class ProxyMetrics {
    /// By route line and status class (line × 8 + class): no string is made per request.
    private var requests: [Int: Counter] = [:]
    private var connections: [String: Meter] = [:]
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
        if let counter = self.requests[key] {
            counter.increment()
            return
        }
        let routeLabel = route.map { "\($0.rule.file.split(separator: "/").last ?? ""):\($0.rule.line)" } ?? "none"
        let statusLabel = statusClass == 0 ? "none" : "\(statusClass)xx"
        let counter = Counter(label: "zenith_requests_total", dimensions: [("route", routeLabel), ("status", statusLabel)])
        self.requests[key] = counter
        counter.increment()
    }

    /// A reload may give a line another rule: forget which counter a line maps to.
    func routesChanged() {
        self.requests.removeAll()
    }

    /// `zenith_client_connections{protocol}`: open client connections (HTTP/2: streams).
    func clientConnection(_ protocolName: String) -> Meter {
        if let meter = self.connections[protocolName] { return meter }
        let meter = Meter(label: "zenith_client_connections", dimensions: [("protocol", protocolName)])
        self.connections[protocolName] = meter
        return meter
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
