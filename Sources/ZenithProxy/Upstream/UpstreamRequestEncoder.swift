import NIOCore
import NIOHTTP1

/// Writes a request to a backend as HTTP/1.1 bytes: the head as it was built (by
/// `ForwardedRequestHead`, whose fields are already checked), then the body as it comes, in
/// chunks when the request is chunked. Body bytes are passed on as they are, never copied.
///
/// Written by hand with `UpstreamResponseDecoder`, which it replaces NIOHTTP1's encoder beside.
struct UpstreamRequestEncoder {
    private var chunked = false
    /// A chunk's data went out and its closing CRLF has not: it goes before the next chunk line.
    private var chunkOpen = false

    /// The head's bytes; the body that follows is chunked when `chunked` is set.
    mutating func head(_ head: HTTPRequestHead, chunked: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        self.chunked = chunked
        self.chunkOpen = false
        var buffer = allocator.buffer(capacity: 512)
        buffer.writeString(head.method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.uri)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        Self.writeFields(head.headers, into: &buffer)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// What goes before `length` body bytes: a chunk-size line, or nothing when the body is not
    /// chunked (or the part is empty, which as a chunk would end the body).
    mutating func bodyPrefix(length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked, length > 0 else { return nil }
        var buffer = allocator.buffer(capacity: 24)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        buffer.writeString(String(length, radix: 16))
        buffer.writeStaticString("\r\n")
        self.chunkOpen = true
        return buffer
    }

    /// What ends the body: for a chunked one, the last chunk and the trailer fields.
    mutating func end(trailers: HTTPHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard self.chunked else { return nil }
        var buffer = allocator.buffer(capacity: 16)
        if self.chunkOpen { buffer.writeStaticString("\r\n") }
        buffer.writeStaticString("0\r\n")
        if let trailers { Self.writeFields(trailers, into: &buffer) }
        buffer.writeStaticString("\r\n")
        self.chunked = false
        self.chunkOpen = false
        return buffer
    }

    private static func writeFields(_ fields: HTTPHeaders, into buffer: inout ByteBuffer) {
        for (name, value) in fields {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
    }
}
