import NIOCore
import ZenithText

/// Frames a body as HTTP/1.1 chunks (RFC 9112 §7.1) around parts that are passed on as they are,
/// never copied: what goes before each part and what ends the body. Used for request bodies sent
/// to a backend (`UpstreamRequestEncoder`) and for response bodies sent to a client without a
/// Content-Length (`HTTP1ResponseEncoder`).
struct ChunkedBodyEncoder {
    /// The body being written is chunked.
    private(set) var chunked = false
    /// A chunk's data went out and its closing CRLF has not: it goes before the next chunk line.
    private var chunkOpen = false

    /// A head went out: the body that follows is chunked when `chunked` is set.
    mutating func start(chunked: Bool) {
        self.chunked = chunked
        self.chunkOpen = false
    }

    /// What goes before `length` body bytes: a chunk-size line, or nothing when the body is not
    /// chunked (or the part is empty, which as a chunk would end the body).
    mutating func prefix(length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked, length > 0 else { return nil }
        var buffer = allocator.buffer(capacity: 24)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        Self.writeHex(length, into: &buffer)
        buffer.writeStaticString("\r\n")
        self.chunkOpen = true
        return buffer
    }

    /// What ends the body: for a chunked one, the last chunk and an empty trailer section.
    mutating func end(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked else { return nil }
        var buffer = allocator.buffer(capacity: 8)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        buffer.writeStaticString("0\r\n\r\n")
        self.chunked = false
        self.chunkOpen = false
        return buffer
    }

    /// `value` in lowercase hexadecimal digits, written without making a String.
    private static func writeHex(_ value: Int, into buffer: inout ByteBuffer) {
        let digits = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4
        for shift in stride(from: (max(digits, 1) - 1) * 4, through: 0, by: -4) {
            let digit = UInt8((value >> shift) & 0xF)
            buffer.writeInteger(UInt8.lowercaseHexDigit(digit))
        }
    }
}
