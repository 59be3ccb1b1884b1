/// The byte-size grammar of the config and routes files: a whole number of bytes, optionally with a
/// unit: `KiB` `MiB` `GiB` `TiB` (powers of 1024) or `B` `KB` `MB` `GB` `TB` (powers of 1000).
///
/// Units are matched without regard to case, since nobody means megabits in a body limit.
enum SizeParser {
    private static let units: [(suffix: String, bytes: Int64)] = [
        ("b", 1),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
    ]

    /// The number of bytes `text` stands for, or nil when it is not a size.
    static func parse(_ text: some StringProtocol) -> Int64? {
        guard let (number, unit) = NumberWithUnit.split(text) else { return nil }
        guard !unit.isEmpty else { return number }
        let lowercased = unit.lowercased()
        guard let factor = units.first(where: { $0.suffix == lowercased })?.bytes else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }

    /// `bytes` in the largest binary unit that divides it (`100MiB`), or as a plain number, for
    /// `zenith check`.
    static func format(_ bytes: Int64) -> String {
        let binary: [(suffix: String, bytes: Int64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        guard bytes != 0, let unit = binary.first(where: { bytes % $0.bytes == 0 }) else { return String(bytes) }
        return "\(bytes / unit.bytes)\(unit.suffix)"
    }
}
