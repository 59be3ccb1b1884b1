/// A room name with `{field}` placeholders filled from an identity (`project:{project_id}`), or,
/// as a subscribe pattern, ending in `*` to allow every room that starts with the filled prefix.
public struct RoomTemplate: Sendable, Hashable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    /// The room for `identity`; nil when a placeholder names a field the identity lacks (a room
    /// must never be made from an empty value, which could merge users).
    public func fill(with identity: Identity) -> String? {
        Self.fill(self.text[...], with: identity)
    }

    /// As a subscribe pattern: whether `room` is allowed for `identity`.
    ///
    /// Whether the pattern is a prefix is read from the template as written, never from the filled
    /// text: an identity value ending in `*` (a user named `bob*`) must not turn `user:{name}`
    /// into a prefix that allows `user:bobby`.
    public func allows(_ room: String, for identity: Identity) -> Bool {
        guard self.text.hasSuffix("*") else {
            return room == self.fill(with: identity)
        }
        guard let prefix = Self.fill(self.text.dropLast(), with: identity) else { return false }
        return room.hasPrefix(prefix) && room.count > prefix.count
    }

    private static func fill(_ template: Substring, with identity: Identity) -> String? {
        var result = ""
        var rest = template
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            result += rest[..<open]
            guard let value = identity.fields[String(rest[rest.index(after: open)..<close])], !value.isEmpty else {
                return nil
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
