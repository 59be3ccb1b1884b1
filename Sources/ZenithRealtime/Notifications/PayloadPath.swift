import ZenithJSON

/// A dotted path to a value in a notification's payload (`nova_object.data.tenant_id`), as a
/// `[[notify]]` rule's `room` placeholders and `fields` name them.
///
/// Nova's versioned payloads have member names that contain dots (`nova_object.data`), so a path
/// cannot be split at every dot: at each object the longest run of segments that names a member
/// is tried first, then shorter ones, backtracking when the rest of the path is not found below.
/// Paths go through objects only (no array indexes).
public struct PayloadPath: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let segments: [Substring]

    /// Nil for an empty path or one with an empty segment (`a..b`, `.a`, `a.`).
    public init?(_ text: String) {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, !segments.contains(where: \.isEmpty) else { return nil }
        self.text = text
        self.segments = segments
    }

    public var description: String { text }

    /// The value at this path in `payload` (which may be `null`); nil when the path leads nowhere.
    public func value(in payload: JSONValue) -> JSONValue? {
        Self.value(of: segments[...], in: payload)
    }

    private static func value(of segments: ArraySlice<Substring>, in value: JSONValue) -> JSONValue? {
        guard !segments.isEmpty else { return value }
        guard case .object(let object) = value else { return nil }
        for end in stride(from: segments.endIndex, to: segments.startIndex, by: -1) {
            let key = segments[segments.startIndex..<end].joined(separator: ".")
            if let member = object[key], let found = Self.value(of: segments[end...], in: member) {
                return found
            }
        }
        return nil
    }
}
