/// Why bytes from the server are not a RESP2 reply within `RESPLimits`. Any of these closes
/// the connection: after a malformed reply the stream cannot be resynchronised.
public enum RESPDecodingError: Error, Sendable, Hashable {
    /// A reply starts with a byte that is not one of `+ - : $ *`.
    case badTypeByte(UInt8)
    /// A length or integer line is not an optional `-` and decimal digits within Int64.
    case badNumber
    /// A length below -1.
    case badLength(Int64)
    /// A line holds a CR not followed by LF, or an LF on its own.
    case badLineEnding
    /// A bulk string's bytes are not followed by CRLF.
    case bulkNotTerminated
    /// A bulk string announced longer than `RESPLimits.maxBulkLength`.
    case bulkTooLong(Int64)
    /// An array announced longer than `RESPLimits.maxArrayLength`.
    case arrayTooLong(Int64)
    /// Arrays nested deeper than `RESPLimits.maxDepth`.
    case tooDeep
    /// A line longer than `RESPLimits.maxLineLength` (or no CRLF within it).
    case lineTooLong
}

extension RESPDecodingError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .badTypeByte(let byte): "malformed reply from Redis: unknown type byte 0x\(String(byte, radix: 16))"
        case .badNumber: "malformed reply from Redis: bad integer or length"
        case .badLength(let length): "malformed reply from Redis: length \(length)"
        case .badLineEnding: "malformed reply from Redis: bad line ending"
        case .bulkNotTerminated: "malformed reply from Redis: bulk string not followed by CRLF"
        case .bulkTooLong(let length): "reply from Redis past the limit: bulk string of \(length) bytes"
        case .arrayTooLong(let length): "reply from Redis past the limit: array of \(length) elements"
        case .tooDeep: "reply from Redis past the limit: arrays nested too deeply"
        case .lineTooLong: "reply from Redis past the limit: line too long"
        }
    }
}
