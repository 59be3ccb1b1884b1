/// The rules of the routes file, and the order in which they are tried against a request.
///
/// Built by `ConfigurationLoader` and owned by `ZenithConfiguration`. The most specific rule wins,
/// as with nginx locations: the rules for the request's exact host come first, then the `*` rules,
/// and within each group the longest path prefix. This type says which rule that is; the proxy's
/// `RouteMatcher` indexes the groups to find it once per request, and `render()` prints them for
/// `zenith check`.
public struct RouteTable: Sendable {
    /// The rules of one host, in the order they are tried.
    public struct HostGroup: Sendable {
        /// Lowercased, as the rules have it (IPv6 without brackets).
        public let host: String
        /// Positions in `routes`.
        public let routeIndices: [Int]
    }

    /// The rules in file order.
    public let routes: [Route]
    /// One group per host that has rules, sorted by host name.
    public let hostGroups: [HostGroup]
    /// The `*` rules (positions in `routes`) in the order they are tried, after the host's own.
    public let wildcardGroup: [Int]

    public init(routes: [Route]) {
        self.routes = routes
        // Longest prefix first; file order among equal lengths keeps the result deterministic.
        let ordered = routes.indices.sorted {
            (routes[$0].pathPrefix.utf8.count, $1) > (routes[$1].pathPrefix.utf8.count, $0)
        }
        self.hostGroups = Set(routes.compactMap(\.host)).sorted().map { host in
            HostGroup(host: host, routeIndices: ordered.filter { routes[$0].host == host })
        }
        self.wildcardGroup = ordered.filter { routes[$0].host == nil }
    }
}
