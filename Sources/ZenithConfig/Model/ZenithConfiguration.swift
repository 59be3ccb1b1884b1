/// The whole, validated configuration of one Zenith process: the config file plus its routes file.
///
/// Built only by `ConfigurationLoader`; every value in it has been checked, so the proxy can use it
/// without further validation. A reload builds a new value and swaps it in whole.
public struct ZenithConfiguration: Sendable {
    /// The config file this was read from (used in messages).
    public var sourcePath: String
    public var listen: ListenConfiguration
    public var tls: TLSFiles?
    public var limits: Limits
    public var proxy: ProxySettings
    /// Upstreams by name. A route that names `host:port` instead of an upstream gets an implicit
    /// upstream of that name with default settings.
    public var upstreams: [String: UpstreamConfiguration]
    public var log: LogSettings
    public var realtime: RealtimeSettings
    /// The publish API, when configured.
    public var publish: PublishSettings?
    /// The metrics and health listener, when configured.
    public var metrics: MetricsSettings?
    /// Shared polling watchers (`[[watch]]`), in file order.
    public var watches: [WatchSettings]
    /// The cluster over Redis, when configured; nil: one node, Redis never contacted.
    public var cluster: ClusterSettings?
    /// The message bus whose notifications `notify` routes, when configured.
    public var notifications: NotificationSettings?
    /// `[[notify]]` rules, in file order (empty without `[notifications]`).
    public var notify: [NotifySettings] = []
    public var routes: RouteTable

    public init(
        sourcePath: String, listen: ListenConfiguration, tls: TLSFiles?, limits: Limits,
        proxy: ProxySettings, upstreams: [String: UpstreamConfiguration], log: LogSettings,
        realtime: RealtimeSettings, publish: PublishSettings?, metrics: MetricsSettings? = nil,
        watches: [WatchSettings] = [], cluster: ClusterSettings? = nil, routes: RouteTable
    ) {
        self.cluster = cluster
        self.metrics = metrics
        self.watches = watches
        self.sourcePath = sourcePath
        self.listen = listen
        self.tls = tls
        self.limits = limits
        self.proxy = proxy
        self.upstreams = upstreams
        self.log = log
        self.realtime = realtime
        self.publish = publish
        self.routes = routes
    }
}

/// A `host:port` pair as written in the config (`"0.0.0.0:80"`, `"[::1]:8080"`, `"localhost:8080"`).
public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `[listen]`: the addresses the proxy accepts clients on.
public struct ListenConfiguration: Sendable, Hashable {
    public var http: [HostAndPort]
    public var https: [HostAndPort]
    public init(http: [HostAndPort], https: [HostAndPort]) {
        self.http = http
        self.https = https
    }
}

/// `[tls]`: PEM files for the https listeners.
public struct TLSFiles: Sendable, Hashable {
    public var certificate: String
    public var key: String
    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// `[limits]`: bounds on what a client may send.
public struct Limits: Sendable, Hashable {
    /// Bytes of request line plus headers; beyond it the client gets 431. Default 65536.
    public var headerBytes: Int
    /// Request body bytes; beyond it 413. Default 100 MiB. A route's `body_bytes` overrides it.
    public var bodyBytes: Int64
    /// Time a client has to send a complete request head. Default 10s.
    public var headerTimeout: Duration
    /// Time an idle keep-alive client connection is kept open. Default 75s.
    public var keepaliveTimeout: Duration
    /// Time a client may take no bytes of a response it is sent; then the connection is closed
    /// and the backend connection serving it too (nginx's `send_timeout`). Default 60s.
    public var sendTimeout: Duration
    /// Time a client may send no bytes of a request body it announced; then 408 and close
    /// (nginx's `client_body_timeout`). Default 60s.
    public var bodyTimeout: Duration
    public init(
        headerBytes: Int, bodyBytes: Int64, headerTimeout: Duration, keepaliveTimeout: Duration,
        sendTimeout: Duration = .seconds(60), bodyTimeout: Duration = .seconds(60)
    ) {
        self.headerBytes = headerBytes
        self.bodyBytes = bodyBytes
        self.headerTimeout = headerTimeout
        self.keepaliveTimeout = keepaliveTimeout
        self.sendTimeout = sendTimeout
        self.bodyTimeout = bodyTimeout
    }
}

/// `[proxy]`: forwarding behaviour shared by all proxy routes.
public struct ProxySettings: Sendable, Hashable {
    /// Client addresses (IPs or CIDR blocks, as written) whose X-Forwarded-* and Forwarded headers
    /// are believed and extended; from anyone else they are replaced. Default empty.
    public var trustedProxies: [String]
    /// Send the client's Host header upstream (default true: Django builds absolute URLs from it).
    public var preserveHost: Bool
    /// How long a stop waits for requests in flight before it cuts them. Default 30s.
    public var drainTimeout: Duration
    public init(trustedProxies: [String], preserveHost: Bool, drainTimeout: Duration = .seconds(30)) {
        self.trustedProxies = trustedProxies
        self.preserveHost = preserveHost
        self.drainTimeout = drainTimeout
    }
}

/// `[upstream.NAME]`: a pool of backend servers.
public struct UpstreamConfiguration: Sendable, Hashable {
    public var name: String
    public var servers: [HostAndPort]
    /// Open connections per server and event loop at most. Default 64.
    public var maxConnections: Int
    public var connectTimeout: Duration  // default 3s
    public var responseTimeout: Duration  // default 120s: until the response head arrives
    public var idleTimeout: Duration  // default 60s: an unused pooled connection is closed after it
    /// How long a server that refused a connection is skipped. Default 10s.
    public var failTimeout: Duration
    public init(
        name: String, servers: [HostAndPort], maxConnections: Int, connectTimeout: Duration,
        responseTimeout: Duration, idleTimeout: Duration, failTimeout: Duration
    ) {
        self.name = name
        self.servers = servers
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.idleTimeout = idleTimeout
        self.failTimeout = failTimeout
    }
}

/// `[log]`.
public struct LogSettings: Sendable, Hashable {
    /// One of trace, debug, info, notice, warning, error, critical. Default "info".
    public var level: String
    /// Write one access-log line per request. Default true.
    public var access: Bool
    /// How lines are written to stderr: "text" (the default), "json" (one object per line, the
    /// access log's fields named), or "journal" (text with the `<N>` priority prefix journald
    /// reads, and no time stamp: the journal keeps its own).
    public var format: String
    public init(level: String, access: Bool, format: String = "text") {
        self.level = level
        self.access = access
        self.format = format
    }
}
