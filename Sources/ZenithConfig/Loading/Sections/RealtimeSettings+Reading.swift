extension RealtimeSettings {
    static let defaults = RealtimeSettings(
        pingInterval: .seconds(25), pingTimeout: .seconds(20), maxPayload: 1_000_000, connectTimeout: .seconds(45),
        allowedOrigins: nil, allowMissingOrigin: false, namespaces: ["/"], maxRoomsPerSocket: 64,
        maxQueuedPackets: 1024
    )

    /// Reads `[realtime]`; each key not written keeps its default.
    init(reading section: inout ConfigSectionReader, configFile: String) {
        let defaults = Self.defaults
        self.init(
            pingInterval: section.read("ping_interval", as: .positiveDuration) ?? defaults.pingInterval,
            pingTimeout: section.read("ping_timeout", as: .positiveDuration) ?? defaults.pingTimeout,
            maxPayload: section.read("max_payload", as: .size(1024...(64 << 20))).map { Int($0) } ?? defaults.maxPayload,
            connectTimeout: section.read("connect_timeout", as: .positiveDuration) ?? defaults.connectTimeout,
            allowedOrigins: section.read("allowed_origins", as: .list(of: .string)),
            allowMissingOrigin: section.read("allow_missing_origin", as: .bool) ?? defaults.allowMissingOrigin,
            namespaces: section.read("namespaces", as: .list(of: .string, nonEmpty: true)) ?? defaults.namespaces,
            maxRoomsPerSocket: section.read("max_rooms_per_socket", as: .integer(1...10_000)) ?? defaults.maxRoomsPerSocket,
            maxQueuedPackets: section.read("max_queued_packets", as: .integer(16...1_000_000)) ?? defaults.maxQueuedPackets
        )
        self.maxSessionsPerIP = section.read("max_sessions_per_ip", as: .integer(1...1_000_000)) ?? 1000
        self.maxConcurrentPolls = section.read("max_concurrent_polls", as: .integer(1...1000)) ?? 8
        self.recovery = section.read("recovery", as: .duration) ?? .zero
        self.recoveryFile = section.read("recovery_file", as: .string).map { ConfigPath.resolve($0, relativeTo: configFile) }
        if self.recoveryFile != nil && self.recovery == .zero {
            section.report("recovery_file is used only with recovery set (a duration above 0)", at: "recovery_file", severity: .warning)
        }
        for namespace in self.namespaces where !namespace.hasPrefix("/") {
            section.report("namespace '\(namespace)' must start with '/'", at: "namespaces")
        }
        for origin in self.allowedOrigins ?? [] where !(origin == "*" || origin.hasPrefix("*.") || origin.contains("://")) {
            section.report(
                "origin '\(origin)' must be scheme://host[:port], *.domain or *", at: "allowed_origins"
            )
        }
        if self.allowedOrigins?.contains("*") == true {
            section.report(
                "allowed_origins \"*\" lets any web site open realtime sessions with a visitor's cookies "
                    + "(cross-site WebSocket hijacking); list the origins that need it instead",
                at: "allowed_origins", severity: .warning
            )
        }
    }
}

extension PublishSettings {
    /// Reads `[publish]`: `listen` and `token_file` are required.
    init?(reading section: inout ConfigSectionReader, configFile: String) {
        let listen = section.readRequired("listen", as: .hostAndPort(allowingPortZero: true))
        let tokenFile = section.readRequired("token_file", as: .string).map {
            ConfigPath.resolve($0, relativeTo: configFile)
        }
        let maxBodyBytes = section.read("max_body_bytes", as: .size(1...(64 << 20))).map { Int($0) } ?? 1 << 20
        guard let listen, let tokenFile else { return nil }
        if FileKind(atPath: tokenFile) != .file {
            section.report("token_file '\(tokenFile)' is not a readable file", at: "token_file")
        }
        self.init(listen: listen, tokenFile: tokenFile, maxBodyBytes: maxBodyBytes)
    }
}
