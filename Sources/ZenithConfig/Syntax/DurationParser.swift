/// The duration grammar of the config and routes files: a whole number with a unit, `250ms`, `3s`,
/// `5m`, `2h`, `1d`, or a bare whole number of seconds.
///
/// Units are lowercase and not combined (`1h30m` is refused): the files stay easy to grep, and every
/// value Zenith needs fits one unit.
enum DurationParser {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ]

    /// The duration `text` stands for, or nil when it is not one (negative, fractional, unknown unit,
    /// too large).
    static func parse(_ text: some StringProtocol) -> Duration? {
        guard let (number, unit) = NumberWithUnit.split(text) else { return nil }
        let factor: Int64
        if unit.isEmpty {
            factor = 1_000
        } else if let known = units.first(where: { $0.suffix == unit }) {
            factor = known.milliseconds
        } else {
            return nil
        }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : .milliseconds(milliseconds)
    }

    /// The shortest way to write `duration` in this grammar (`120s` becomes `2m`), for `zenith check`.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        guard attoseconds % attosecondsPerMillisecond == 0 else { return duration.description }
        let milliseconds = seconds * 1_000 + attoseconds / attosecondsPerMillisecond
        guard milliseconds != 0 else { return "0s" }
        let unit = units.last { milliseconds % $0.milliseconds == 0 }!
        return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
    }
}
