extension ListenConfiguration {
    /// Reads `[listen]`. Port 0 is allowed (the kernel picks a free port, as tests want); whether any
    /// address is given at all is checked by the loader, which also knows about `[tls]`.
    init(reading section: inout ConfigSectionReader) {
        let addresses = ConfigValueType.list(of: .hostAndPort(allowingPortZero: true))
        self.init(
            http: section.read("http", as: addresses) ?? [],
            https: section.read("https", as: addresses) ?? []
        )
    }
}
