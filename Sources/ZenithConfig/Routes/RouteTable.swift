/// The rules of the routes file, arranged for answering "which rule takes this request?" quickly.
///
/// Built by `ConfigurationLoader` and owned by `ZenithConfiguration`; the proxy calls `match` once
/// per request. The most specific rule wins, as with nginx locations: rules for the request's exact
/// host come first, then `*` rules, and within each group the longest matching path prefix.
public struct RouteTable: Sendable {
    /// The rules in file order.
    public let routes: [Route]

    /// Hosts with rules, sorted by name; a host's position is its group in `prefixes`.
    let hosts: HostIndex
    /// One group per host, then the `*` group.
    let prefixes: PrefixList
    private let wildcardGroup: Int

    public init(routes: [Route]) {
        self.routes = routes
        // Longest prefix first; file order among equal lengths keeps the result deterministic.
        let ordered = routes.indices.sorted {
            (routes[$0].pathPrefix.utf8.count, $1) > (routes[$1].pathPrefix.utf8.count, $0)
        }
        let hostNames = Set(routes.compactMap(\.host)).sorted()
        let groups = (hostNames.map(Optional.some) + [nil]).map { host in
            ordered.filter { routes[$0].host == host }.map { (prefix: routes[$0].pathPrefix, routeIndex: $0) }
        }
        hosts = HostIndex(hostNames)
        prefixes = PrefixList(groups: groups)
        wildcardGroup = hostNames.count
    }

    /// The rule for a request, or nil when none applies (the proxy answers 404).
    ///
    /// - Parameters:
    ///   - host: the Host header (or HTTP/2 `:authority`) as received: any case, with or without a
    ///     port, IPv6 in brackets; nil when the request had none.
    ///   - path: the request target's path, compared byte for byte with the rules' prefixes.
    public func match(host: String?, path: Substring) -> Route? {
        self.matchIndex(host: host, path: path).map { self.routes[$0] }
    }

    /// Like `match`, but the position of the rule in `routes`: no Route is copied.
    public func matchIndex(host: String?, path: Substring) -> Int? {
        var hostGroup: Int?
        if let host, !hosts.isEmpty {
            hostGroup = hosts.position(ofHostHeader: host)
        }
        var path = path
        return path.withUTF8 { path -> Int? in
            if let hostGroup, let index = prefixes.firstMatch(in: path, group: hostGroup) {
                return index
            }
            return prefixes.firstMatch(in: path, group: wildcardGroup)
        }
    }
}
