import NIOCore
import NIOHTTP1
import ZenithText

/// Writes a request to a backend as HTTP/1.1 bytes after its head (which `ForwardedRequestHead`
/// writes for a proxied request, `head` for one of Zenith's own): the body as it comes, in chunks
/// when the request is chunked. Body bytes are passed on as they are, never copied.
///
/// Written by hand with `UpstreamResponseDecoder`, which it replaces NIOHTTP1's encoder beside.
struct UpstreamRequestEncoder {
    private var body = ChunkedBodyEncoder()

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
        self.body.start(chunked: chunked)
    }

    /// What goes before `length` body bytes: a chunk-size line, or nothing when the body is not
    /// chunked (or the part is empty, which as a chunk would end the body).
    mutating func bodyPrefix(length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        self.body.prefix(length: length, allocator: allocator)
    }

    /// What ends the body: for a chunked one, the last chunk and an empty trailer section. A
    /// client's trailer fields are not passed on (RFC 9110 §6.5.1 lets a recipient discard them):
    /// a backend that merges trailers into the head would take framing, routing or credentials
    /// from fields no check of Zenith's has seen.
    mutating func end(allocator: ByteBufferAllocator) -> ByteBuffer? {
        self.body.end(allocator: allocator)
    }
}
