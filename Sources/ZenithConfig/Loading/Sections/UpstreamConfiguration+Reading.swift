extension UpstreamConfiguration {
    /// An upstream with every setting at its default, as a route's `proxy host:port` creates.
    static func withDefaults(name: String, servers: [HostAndPort]) -> UpstreamConfiguration {
        UpstreamConfiguration(
            name: name, servers: servers, maxConnections: 64, connectTimeout: .seconds(3),
            responseTimeout: .seconds(120), idleTimeout: .seconds(60), failTimeout: .seconds(10))
    }

    /// Reads `[upstream.NAME]`; nil when `servers` is missing or invalid (reported). The name must
    /// be one word of the routes file, so it may not contain spaces, `=`, `#` or `:` (which would
    /// make it look like a `host:port` target).
    init?(reading section: inout ConfigSectionReader) {
        let name = section.path.last ?? ""
        let isNameCharacter: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        if name.isEmpty || !name.allSatisfy(isNameCharacter) {
            section.report("upstream name '\(name)' may contain only letters, digits, '-', '_' and '.'")
        }
        let servers = section.readRequired("servers", as: .list(of: .hostAndPort(), nonEmpty: true))
        // Every key is read before giving up on a missing `servers`, so all problems are reported.
        let defaults = Self.withDefaults(name: name, servers: [])
        let maxConnections = section.read("max_connections", as: .integer(1...10_000))
        let connectTimeout = section.read("connect_timeout", as: .positiveDuration)
        let responseTimeout = section.read("response_timeout", as: .positiveDuration)
        let idleTimeout = section.read("idle_timeout", as: .positiveDuration)
        let failTimeout = section.read("fail_timeout", as: .positiveDuration)
        guard let servers else { return nil }
        self.init(
            name: name,
            servers: servers,
            maxConnections: maxConnections ?? defaults.maxConnections,
            connectTimeout: connectTimeout ?? defaults.connectTimeout,
            responseTimeout: responseTimeout ?? defaults.responseTimeout,
            idleTimeout: idleTimeout ?? defaults.idleTimeout,
            failTimeout: failTimeout ?? defaults.failTimeout
        )
    }
}
