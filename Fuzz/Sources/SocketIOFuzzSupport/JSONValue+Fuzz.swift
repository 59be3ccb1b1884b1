import ZenithJSON

/// Shared by the Socket.IO harnesses: properties of decoded JSON that their invariants depend on.
extension JSONValue {
    /// Whether a NaN or infinite double is inside (from e.g. `1e999`): JSON has no text for
    /// them, so the serializer writes `null` (as `JSON.stringify` does) and a round trip through
    /// text cannot give the value back.
    public var hasNonFiniteNumber: Bool {
        switch self {
        case .double(let number): !number.isFinite
        case .array(let elements): elements.contains { $0.hasNonFiniteNumber }
        case .object(let object): object.values.contains { $0.hasNonFiniteNumber }
        default: false
        }
    }

    /// Whether an object with `"_placeholder": true` is inside: what an assembled packet must not
    /// hold any more.
    public var hasPlaceholder: Bool {
        switch self {
        case .array(let elements): elements.contains { $0.hasPlaceholder }
        case .object(let object): object["_placeholder"] == .bool(true) || object.values.contains { $0.hasPlaceholder }
        default: false
        }
    }

    /// The `binary` values inside, depth first.
    public var binaryValues: [JSONValue] {
        switch self {
        case .binary: [self]
        case .array(let elements): elements.flatMap(\.binaryValues)
        case .object(let object): object.values.flatMap(\.binaryValues)
        default: []
        }
    }
}
