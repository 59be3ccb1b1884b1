import NIOCore

/// Reads one RESP2 reply at a buffer's reader index, within `RESPLimits`.
///
/// The parse is all-or-nothing: when the reply is not complete yet the buffer is left as it was
/// and the caller waits for more bytes, so a reply may be cut at any byte. A partial reply is
/// parsed again from its start on the next read; with the limits' bounds that costs less than
/// keeping a resumable stack, and replies the cluster reads are small.
struct RESPParser: Sendable {
    let limits: RESPLimits

    /// The reply at the reader index, moving the reader index past it; nil (buffer untouched)
    /// when more bytes are needed.
    func parse(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        var index = buffer.readerIndex
        guard let value = try value(in: buffer, at: &index, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: index)
        return value
    }

    private func value(in buffer: ByteBuffer, at index: inout Int, depth: Int) throws(RESPDecodingError) -> RESPValue? {
        guard let type = buffer.getInteger(at: index, as: UInt8.self) else { return nil }
        var cursor = index + 1
        let value: RESPValue
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let line = try line(in: buffer, at: &cursor) else { return nil }
            let text = String(decoding: buffer.readableBytesView[line], as: UTF8.self)
            value = type == UInt8(ascii: "+") ? .simpleString(text) : .error(text)
        case UInt8(ascii: ":"):
            guard let number = try number(in: buffer, at: &cursor) else { return nil }
            value = .integer(number)
        case UInt8(ascii: "$"):
            guard let length = try length(in: buffer, at: &cursor, limit: limits.maxBulkLength, tooLong: RESPDecodingError.bulkTooLong) else { return nil }
            guard length >= 0 else {
                value = .bulkString(nil)
                break
            }
            guard buffer.writerIndex - cursor >= length + 2 else { return nil }
            guard buffer.getInteger(at: cursor + length, as: UInt16.self) == Self.crlf else { throw .bulkNotTerminated }
            value = .bulkString(buffer.getSlice(at: cursor, length: length))
            cursor += length + 2
        case UInt8(ascii: "*"):
            guard let count = try length(in: buffer, at: &cursor, limit: limits.maxArrayLength, tooLong: RESPDecodingError.arrayTooLong) else { return nil }
            guard count >= 0 else {
                value = .array(nil)
                break
            }
            guard depth < limits.maxDepth else { throw .tooDeep }
            var elements: [RESPValue] = []
            // Each element takes at least 3 bytes ("$-1" without CRLF): never reserve for an
            // announced count the bytes at hand cannot hold.
            elements.reserveCapacity(min(count, (buffer.writerIndex - cursor) / 3))
            for _ in 0..<count {
                guard let element = try self.value(in: buffer, at: &cursor, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            value = .array(elements)
        default:
            throw .badTypeByte(type)
        }
        index = cursor
        return value
    }

    private static let crlf = UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n"))

    /// The range (relative to the reader index, for `readableBytesView`) of the line at `cursor`,
    /// moving `cursor` past its CRLF; nil when the CRLF has not arrived yet.
    private func line(in buffer: ByteBuffer, at cursor: inout Int) throws(RESPDecodingError) -> Range<Int>? {
        let start = cursor - buffer.readerIndex
        let view = buffer.readableBytesView
        let searchEnd = min(view.count, start + limits.maxLineLength + 1)
        var offset = start
        while offset < searchEnd {
            let byte = view[view.startIndex + offset]
            if byte == UInt8(ascii: "\n") { throw .badLineEnding }
            if byte == UInt8(ascii: "\r") {
                guard offset + 1 < view.count else { return nil }
                guard view[view.startIndex + offset + 1] == UInt8(ascii: "\n") else { throw .badLineEnding }
                cursor = buffer.readerIndex + offset + 2
                return (view.startIndex + start)..<(view.startIndex + offset)
            }
            offset += 1
        }
        if searchEnd - start > limits.maxLineLength { throw .lineTooLong }
        return nil
    }

    /// A line of an optional `-` and decimal digits, within Int64.
    private func number(in buffer: ByteBuffer, at cursor: inout Int) throws(RESPDecodingError) -> Int64? {
        guard let range = try line(in: buffer, at: &cursor) else { return nil }
        let digits = buffer.readableBytesView[range]
        var rest = digits[...]
        let negative = rest.first == UInt8(ascii: "-")
        if negative { rest = rest.dropFirst() }
        guard !rest.isEmpty else { throw .badNumber }
        var value: Int64 = 0
        for byte in rest {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .badNumber }
            let digit = Int64(byte - UInt8(ascii: "0"))
            // Accumulated negatively so that Int64.min fits.
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .badNumber }
            value = next
        }
        if negative { return value }
        guard value != .min else { throw .badNumber }
        return -value
    }

    /// A bulk or array length: -1 (null, returned as -1) or 0...limit.
    private func length(
        in buffer: ByteBuffer, at cursor: inout Int, limit: Int, tooLong: (Int64) -> RESPDecodingError
    ) throws(RESPDecodingError) -> Int? {
        guard let length = try number(in: buffer, at: &cursor) else { return nil }
        guard length >= -1 else { throw .badLength(length) }
        guard length <= Int64(limit) else { throw tooLong(length) }
        return Int(length)
    }
}
