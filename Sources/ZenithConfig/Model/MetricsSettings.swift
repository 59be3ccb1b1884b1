/// `[metrics]`: the listener that serves Prometheus metrics, `/healthz` and `/readyz`.
public struct MetricsSettings: Sendable, Hashable {
    public var listen: HostAndPort

    public init(listen: HostAndPort) {
        self.listen = listen
    }
}
