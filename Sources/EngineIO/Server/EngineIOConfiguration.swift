/// The settings of an Engine.IO server, announced to clients in the open packet where the
/// protocol says so.
public struct EngineIOConfiguration: Sendable {
    public var pingInterval: Duration
    public var pingTimeout: Duration
    /// Largest accepted HTTP body or WebSocket message, in bytes; announced as `maxPayload`.
    public var maxPayload: Int
    /// How long a probing WebSocket may take to send the `5` upgrade packet.
    public var upgradeTimeout: Duration
    /// Packets queued for one client before it counts as a slow consumer and is disconnected.
    public var maxQueuedPackets: Int
    /// Packets accepted in one polling POST.
    public var maxPacketsPerPoll: Int
    /// Which browser origins may talk to the server; also drives the CORS answers of polling.
    public var origins: OriginPolicy
    /// Open sessions one client IP may hold; further handshakes are answered 429.
    public var maxSessionsPerAddress: Int

    public init(
        pingInterval: Duration = .seconds(25), pingTimeout: Duration = .seconds(20), maxPayload: Int = 1_000_000,
        upgradeTimeout: Duration = .seconds(10), maxQueuedPackets: Int = 1024, maxPacketsPerPoll: Int = 256,
        origins: OriginPolicy = .any, maxSessionsPerAddress: Int = 1000
    ) {
        self.maxSessionsPerAddress = maxSessionsPerAddress
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgradeTimeout = upgradeTimeout
        self.maxQueuedPackets = maxQueuedPackets
        self.maxPacketsPerPoll = maxPacketsPerPoll
        self.origins = origins
    }
}

/// Which `Origin` header values are accepted on handshakes, polls and upgrades.
public enum OriginPolicy: Sendable, Equatable {
    /// Any origin, and requests without one (development, conformance suites).
    case any
    /// Exact origins (`https://dash.example.org`) and `*.domain` patterns; requests without an
    /// Origin header only when `allowMissing`.
    case list([String], allowMissing: Bool)

    /// Whether a request with this Origin header (nil when absent) may proceed.
    ///
    /// Browsers leave Origin out of same-origin GETs (a polling handshake from the dashboard's own
    /// page) but mark them `Sec-Fetch-Site: same-origin`, which page scripts cannot forge; such a
    /// request is same-origin by definition and allowed. Any cross-site browser request carries
    /// an Origin, so the check still stops other sites from using a user's cookies.
    public func allows(_ origin: String?, fetchSite: String? = nil) -> Bool {
        switch self {
        case .any:
            return true
        case .list(let entries, let allowMissing):
            guard let origin else { return allowMissing || fetchSite == "same-origin" }
            let lowered = origin.lowercased()
            return entries.contains { entry in
                let entry = entry.lowercased()
                if entry.hasPrefix("*.") {
                    // `*.example.org` matches `https://a.example.org` (any scheme, any port).
                    guard let host = Self.host(of: lowered) else { return false }
                    return host.hasSuffix(String(entry.dropFirst(1)))
                }
                return entry == lowered
            }
        }
    }

    private static func host(of origin: String) -> Substring? {
        guard let colon = origin.firstIndex(of: ":"), origin[colon...].hasPrefix("://") else { return nil }
        var host = origin[origin.index(colon, offsetBy: 3)...]
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            host = host[..<colon]
        }
        return host
    }
}
