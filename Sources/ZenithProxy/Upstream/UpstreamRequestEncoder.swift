import NIOCore
import NIOHTTP1
import ZenithText

/// Writes a request to a backend as HTTP/1.1 bytes after its head (which `ForwardedRequestHead`
/// writes for a proxied request, `head` for one of Zenith's own): the body as it comes, in chunks
/// when the request is chunked. Body bytes are passed on as they are, never copied.
///
/// Written by hand with `UpstreamResponseDecoder`, which it replaces NIOHTTP1's encoder beside.
struct UpstreamRequestEncoder {
    private var chunked = false
    /// A chunk's data went out and its closing CRLF has not: it goes before the next chunk line.
    private var chunkOpen = false

    /// A request head of Zenith's own as bytes.
    static func head(_ head: HTTPRequestHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 512)
        buffer.writeHTTPRequestLine(method: head.method, uri: head.uri)
        for (name, value) in head.headers {
            buffer.writeHTTPField(name, value)
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// A head went out: the body that follows is chunked when `chunked` is set.
    mutating func headSent(chunked: Bool) {
        self.chunked = chunked
        self.chunkOpen = false
    }

    /// What goes before `length` body bytes: a chunk-size line, or nothing when the body is not
    /// chunked (or the part is empty, which as a chunk would end the body).
    mutating func bodyPrefix(length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked, length > 0 else { return nil }
        var buffer = allocator.buffer(capacity: 24)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        Self.writeHex(length, into: &buffer)
        buffer.writeStaticString("\r\n")
        self.chunkOpen = true
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

    /// What ends the body: for a chunked one, the last chunk and an empty trailer section. A
    /// client's trailer fields are not passed on (RFC 9110 §6.5.1 lets a recipient discard them):
    /// a backend that merges trailers into the head would take framing, routing or credentials
    /// from fields no check of Zenith's has seen.
    mutating func end(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked else { return nil }
        var buffer = allocator.buffer(capacity: 8)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        buffer.writeStaticString("0\r\n\r\n")
        self.chunked = false
        self.chunkOpen = false
        return buffer
    }
}
