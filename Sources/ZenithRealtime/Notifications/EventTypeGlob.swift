/// One of a `[[notify]]` rule's `events` patterns, matched against a notification's `event_type`
/// (`instance.*`, `*.end`, `instance.update`).
///
/// `*` matches any run of characters, dots included (so `instance.*` takes
/// `instance.power_off.end`); there is no other metacharacter, and matching is case-sensitive,
/// as event types are written by the services in one case.
public struct EventTypeGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]

    /// Nil for an empty pattern, which would match nothing and is surely a mistake.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty else { return nil }
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
    }

    public var description: String { pattern }

    /// Whether `eventType` matches. Byte-wise on UTF-8, which is exact because `*` is ASCII;
    /// backtracks only to the last `*`, so it is linear in practice and quadratic at worst.
    public func matches(_ eventType: String) -> Bool {
        let star = UInt8(ascii: "*")
        let text = Array(eventType.utf8)
        var p = 0
        var t = 0
        var lastStar: Int?
        var resume = 0
        while t < text.count {
            if p < bytes.count, bytes[p] == star {
                lastStar = p
                resume = t
                p += 1
            } else if p < bytes.count, bytes[p] == text[t] {
                p += 1
                t += 1
            } else if let lastStar {
                // Let the last `*` take one more character and retry the rest of the pattern.
                p = lastStar + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        return bytes[p...].allSatisfy { $0 == star }
    }
}
