import NIOCore
import NIOHTTP1
import ZenithText

/// Writes response parts to a client as HTTP/1.x bytes, framed as NIOHTTP1's `HTTPResponseEncoder`
/// (which it replaces with `HTTP1RequestDecoder` on client connections) framed them: a response
/// that cannot have a body (1xx, 204, 304, and any answer to CONNECT) loses its Content-Length; one
/// with a Content-Length keeps it; an HTTP/1.1 response without one is sent chunked, an HTTP/1.0
/// one bare (its end is the close). A sender's Transfer-Encoding is never written: the framing is
/// the encoder's own. The answer to a HEAD request keeps the framing fields a GET would have had,
/// and has no body, chunked or not: the client reads the next response right after its head.
/// Trailer fields are not sent (Zenith never has any). Fields are written straight from the
/// head's strings.
struct HTTP1ResponseEncoder {
    /// What a request's method says about the body of its answer.
    enum Answer {
        case withBody
        /// HEAD: framing fields, no body.
        case headOnly
        /// CONNECT: no framing fields, no body.
        case noBody
    }

    /// The answers owed, oldest first: one slot inline, more only while pipelined requests wait.
    private var firstOwed: Answer?
    private var laterOwed: [Answer] = []
    /// The response being written has no body whatever its head says (HEAD, CONNECT).
    private(set) var suppressesBody = false
    private var body = ChunkedBodyEncoder()

    /// A request head was read; its answer will follow the answers to the ones before it.
    mutating func requestHeadRead(method: HTTPMethod) {
        let answer: Answer = method == .HEAD ? .headOnly : method == .CONNECT ? .noBody : .withBody
        if self.firstOwed == nil {
            self.firstOwed = answer
        } else {
            self.laterOwed.append(answer)
        }
    }

    /// The head as bytes.
    mutating func head(_ head: HTTPResponseHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        let code = head.status.code
        var answer = Answer.withBody
        // An interim answer (100 Continue) precedes the final one to the same request.
        if code >= 200 || code == 101, let owed = self.takeOwed() {
            answer = owed
        }
        self.suppressesBody = answer != .withBody
        let mayHaveBody = head.status.mayHaveResponseBody && answer != .noBody
        let hasContentLength = mayHaveBody && head.headers.contains(name: "content-length")
        let chunked = mayHaveBody && !hasContentLength && head.version.major == 1 && head.version.minor >= 1
        self.body.start(chunked: chunked && !self.suppressesBody)

        var buffer = allocator.buffer(capacity: 256)
        Self.writeStatusLine(head, into: &buffer)
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 14 where !mayHaveBody && name.equalsIgnoringASCIICase("content-length"):
                continue
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                continue
            default:
                buffer.writeHTTPField(name, value)
            }
        }
        if chunked {
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// What goes before `length` body bytes (a chunk-size line), if anything.
    mutating func bodyPrefix(length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        self.body.prefix(length: length, allocator: allocator)
    }

    /// What ends the body (the last chunk), if anything.
    mutating func end(allocator: ByteBufferAllocator) -> ByteBuffer? {
        self.suppressesBody = false
        return self.body.end(allocator: allocator)
    }

    private mutating func takeOwed() -> Answer? {
        let owed = self.firstOwed
        self.firstOwed = self.laterOwed.isEmpty ? nil : self.laterOwed.removeFirst()
        return owed
    }

    /// `HTTP/1.x SP 3DIGIT SP reason CRLF`.
    private static func writeStatusLine(_ head: HTTPResponseHead, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(head.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        let code = head.status.code
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }
}
