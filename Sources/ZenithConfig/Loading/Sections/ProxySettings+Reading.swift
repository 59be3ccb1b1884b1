extension ProxySettings {
    static let defaults = ProxySettings(trustedProxies: [], preserveHost: true)

    /// Reads `[proxy]`; each key not written keeps its default.
    init(reading section: inout ConfigSectionReader) {
        let addressOrBlock = ConfigValueType<String>.string.map("IP addresses or CIDR blocks such as \"10.0.0.0/8\"") {
            HostSyntax.isAddressOrCIDR($0) ? $0 : nil
        }
        self.init(
            trustedProxies: section.read("trusted_proxies", as: .list(of: addressOrBlock)) ?? Self.defaults.trustedProxies,
            preserveHost: section.read("preserve_host", as: .bool) ?? Self.defaults.preserveHost,
            drainTimeout: section.read("drain_timeout", as: .positiveDuration) ?? Self.defaults.drainTimeout
        )
    }
}
