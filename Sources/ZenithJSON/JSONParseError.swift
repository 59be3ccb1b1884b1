/// Why a text is not one valid JSON value (RFC 8259), and the byte offset where that was seen.
///
/// Thrown by ``JSONValue/init(parsing:maxDepth:)``; Socket.IO wraps it in
/// `SocketIODecodingError.invalidJSON` and the publish API answers 400 with it.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which rule of the grammar (or limit) the text broke.
    public enum Reason: Equatable, Sendable {
        /// The text ended inside a value (or there was no value at all).
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// A number outside the grammar (`01`, `1.`, `.5`, `+1`, `1e`, `-`).
        case invalidNumber
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// Bytes that are not UTF-8.
        case invalidUTF8
        /// Arrays and objects nested deeper than the limit.
        case tooDeep(limit: Int)
        /// Something other than whitespace after the value.
        case trailingData
    }

    public var reason: Reason
    /// Offset in bytes from the start of the JSON text.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .unexpectedEnd: "unexpected end of JSON at byte \(offset)"
        case .unexpectedByte(let byte): "unexpected byte 0x\(String(byte, radix: 16)) in JSON at byte \(offset)"
        case .invalidNumber: "invalid number in JSON at byte \(offset)"
        case .invalidEscape: "invalid escape in JSON string at byte \(offset)"
        case .controlCharacterInString: "control character in JSON string at byte \(offset)"
        case .invalidUTF8: "invalid UTF-8 in JSON at byte \(offset)"
        case .tooDeep(let limit): "JSON nested deeper than \(limit) at byte \(offset)"
        case .trailingData: "unexpected data after JSON value at byte \(offset)"
        }
    }
}
