import NIOCore

/// One RESP2 reply from Redis: what `RESPReplyDecoder` produces and what commands resolve to.
///
/// Bulk strings stay bytes (`ByteBuffer`): channel payloads and values are not always text.
/// Simple strings and errors are one line each and are read as (lossy) UTF-8 text.
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`: a status line.
    case simpleString(String)
    /// `-ERR message\r\n`: the server refused the command; the text starts with its error code.
    case error(String)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nfoo\r\n`, or the null bulk string `$-1\r\n` (nil).
    case bulkString(ByteBuffer?)
    /// `*2\r\n...`, or the null array `*-1\r\n` (nil).
    case array([RESPValue]?)
}

extension RESPValue {
    /// The reply as text: a simple string, or a bulk string read as UTF-8; nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(buffer: bytes)
        default: nil
        }
    }

    /// The reply as an integer: an integer reply, or a bulk/simple string of decimal digits.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The reply's type and size, never its content: what an error or a log line may show of a
    /// reply (a bulk string may be megabytes, or a secret).
    public var kindDescription: String {
        switch self {
        case .simpleString: "a simple string"
        case .error: "an error"
        case .integer: "an integer"
        case .bulkString(let bytes?): "a bulk string of \(bytes.readableBytes) bytes"
        case .bulkString(nil): "a null bulk string"
        case .array(let elements?): "an array of \(elements.count) elements"
        case .array(nil): "a null array"
        }
    }

    /// The elements of a (non-null) array reply.
    public var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }
}

extension RESPValue: CustomStringConvertible {
    /// A short form for logs and test failures (bulk strings as text, lossy).
    public var description: String {
        switch self {
        case .simpleString(let text): "+\(text)"
        case .error(let text): "-\(text)"
        case .integer(let value): ":\(value)"
        case .bulkString(nil): "(nil)"
        case .bulkString(let bytes?): "\"\(String(buffer: bytes))\""
        case .array(nil): "(nil array)"
        case .array(let elements?): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
