extension RouteTable {
    /// The rules as `zenith check` prints them: one a line, in the order they are tried (exact
    /// hosts by name, then `*`; longest prefix first), with values as they were resolved:
    ///
    /// ```
    /// routes:3  *  /static/  static /usr/share/openstack-dashboard/static  max_age=1d
    /// ```
    public func render() -> String {
        let rows = (hostGroups.flatMap(\.routeIndices) + wildcardGroup).map { index in
            let route = routes[index]
            return [
                "\(Self.fileName(route.file)):\(route.line)",
                route.host ?? "*",
                route.pathPrefix,
                Self.describe(route.action),
                Self.describe(route.options),
            ]
        }
        return TextColumns.align(rows)
    }

    private static func fileName(_ path: String) -> Substring {
        path.split(separator: "/").last ?? Substring(path)
    }

    private static func describe(_ action: RouteAction) -> String {
        switch action {
        case .proxy(let upstream): "proxy \(upstream)"
        case .realtime: "realtime"
        case .staticFiles(let directory): "static \(directory)"
        case .redirect(let status, let location): "redirect \(status) \(location)"
        case .respond(let status, let body): body.isEmpty ? "respond \(status)" : "respond \(status) \(body)"
        }
    }

    private static func describe(_ options: RouteOptions) -> String {
        var written: [String] = []
        if let timeout = options.timeout { written.append("timeout=\(DurationParser.format(timeout))") }
        if let bodyBytes = options.bodyBytes { written.append("body_bytes=\(SizeParser.format(bodyBytes))") }
        if let maxAge = options.maxAge { written.append("max_age=\(DurationParser.format(maxAge))") }
        if let preserveHost = options.preserveHost { written.append("preserve_host=\(preserveHost)") }
        if let inject = options.inject { written.append("inject=\(inject)") }
        return written.joined(separator: " ")
    }
}
