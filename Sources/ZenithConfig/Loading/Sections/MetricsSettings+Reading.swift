extension MetricsSettings {
    /// Reads `[metrics]`; `listen` is required.
    init?(reading section: inout ConfigSectionReader) {
        guard let listen = section.readRequired("listen", as: .hostAndPort(allowingPortZero: true)) else { return nil }
        self.init(listen: listen)
    }
}
