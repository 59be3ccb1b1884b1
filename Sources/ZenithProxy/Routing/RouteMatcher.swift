import ZenithConfig

/// Answers "which rule takes this request?" for a `RouteTable`, once per request and without
/// allocating: the table's groups (the order of precedence is the table's) packed into a host index
/// and a prefix list that are walked as bytes.
///
/// Built with each `ActiveRoutes`, on every reload.
struct RouteMatcher: Sendable {
    /// A host's position is its group in `prefixes`.
    private let hosts: HostIndex
    /// One group per host, then the `*` group.
    private let prefixes: PrefixList
    private let wildcardGroup: Int

    init(_ table: RouteTable) {
        let groups = table.hostGroups.map(\.routeIndices) + [table.wildcardGroup]
        hosts = HostIndex(table.hostGroups.map(\.host))
        prefixes = PrefixList(groups: groups.map { group in
            group.map { (prefix: table.routes[$0].pathPrefix, routeIndex: $0) }
        })
        wildcardGroup = table.hostGroups.count
    }

    /// The position in `RouteTable.routes` of the rule for a request, or nil when none applies
    /// (the proxy answers 404).
    ///
    /// - Parameters:
    ///   - host: the Host header (or HTTP/2 `:authority`) as received: any case, with or without a
    ///     port, IPv6 in brackets; nil when the request had none.
    ///   - path: the request target's path, compared byte for byte with the rules' prefixes.
    func matchIndex(host: String?, path: Substring) -> Int? {
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
