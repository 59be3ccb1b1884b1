/// Why a MessagePack body was refused by ``MessagePackDecoder``. Offsets count bytes from the
/// start of the body; no content of the body is carried (it may hold anything a publisher sent).
public enum MessagePackDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body ends inside a value that starts at `offset`.
    case truncated(at: Int)
    /// The body is longer than the caller allows.
    case tooLarge(size: Int, limit: Int)
    /// Arrays and maps nest deeper than `limit`.
    case tooDeep(limit: Int, at: Int)
    /// An array or map announces more elements than the bytes left could hold.
    case countExceedsInput(count: UInt32, at: Int)
    /// A map key that is not a string (JSON objects have string keys only).
    case nonStringKey(at: Int)
    /// A `bin` value: Socket.IO binary attachments are not carried over this path.
    case binary(at: Int)
    /// An `ext` value (timestamps and application types), which JSON cannot hold.
    case extensionType(Int8, at: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(at: Int)
    /// The byte 0xc1, which the specification never uses.
    case neverUsedByte(at: Int)
    /// Bytes left after the one top-level value.
    case trailingBytes(count: Int, at: Int)

    public var description: String {
        switch self {
        case .truncated(let offset):
            "MessagePack body ends inside the value at byte \(offset)"
        case .tooLarge(let size, let limit):
            "MessagePack body of \(size) bytes is larger than the limit of \(limit)"
        case .tooDeep(let limit, let offset):
            "MessagePack arrays and maps nest deeper than \(limit) at byte \(offset)"
        case .countExceedsInput(let count, let offset):
            "MessagePack array or map at byte \(offset) announces \(count) elements, more than the bytes left"
        case .nonStringKey(let offset):
            "MessagePack map key at byte \(offset) is not a string"
        case .binary(let offset):
            "MessagePack bin value at byte \(offset): binary data is not supported over Redis (Socket.IO binary attachments)"
        case .extensionType(let type, let offset):
            "MessagePack ext value of type \(type) at byte \(offset) is not supported (no JSON equivalent)"
        case .invalidUTF8(let offset):
            "MessagePack string at byte \(offset) is not valid UTF-8"
        case .neverUsedByte(let offset):
            "MessagePack byte 0xc1 (never used) at byte \(offset)"
        case .trailingBytes(let count, let offset):
            "\(count) bytes after the MessagePack value, from byte \(offset)"
        }
    }
}
