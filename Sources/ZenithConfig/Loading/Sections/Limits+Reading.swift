extension Limits {
    static let defaults = Limits(
        headerBytes: 65536, bodyBytes: 100 << 20, headerTimeout: .seconds(10), keepaliveTimeout: .seconds(75))

    /// Reads `[limits]`; each key not written keeps its default.
    init(reading section: inout ConfigSectionReader) {
        let defaults = Self.defaults
        self.init(
            // Below 1 KiB real browsers' cookies would not fit; above 1 MiB a header is an attack.
            headerBytes: section.read("header_bytes", as: .size(1 << 10...1 << 20)).map { Int($0) }
                ?? defaults.headerBytes,
            bodyBytes: section.read("body_bytes", as: .size()) ?? defaults.bodyBytes,
            headerTimeout: section.read("header_timeout", as: .positiveDuration) ?? defaults.headerTimeout,
            keepaliveTimeout: section.read("keepalive_timeout", as: .positiveDuration) ?? defaults.keepaliveTimeout,
            sendTimeout: section.read("send_timeout", as: .positiveDuration) ?? defaults.sendTimeout,
            bodyTimeout: section.read("body_timeout", as: .positiveDuration) ?? defaults.bodyTimeout
        )
    }
}
