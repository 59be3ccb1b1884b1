extension LogSettings {
    static let defaults = LogSettings(level: "info", access: true)

    /// The levels of swift-log, which the executable maps `level` onto.
    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads `[log]`; each key not written keeps its default.
    init(reading section: inout ConfigSectionReader) {
        self.init(
            level: section.read("level", as: .oneOf(Self.levels)) ?? Self.defaults.level,
            access: section.read("access", as: .bool) ?? Self.defaults.access,
            format: section.read("format", as: .oneOf(["text", "json", "journal"])) ?? Self.defaults.format
        )
    }
}
