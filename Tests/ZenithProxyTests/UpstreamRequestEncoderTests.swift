import NIOCore
import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("upstream request encoding")
struct UpstreamRequestEncoderTests {
    @Test("head, then chunked body parts; empty parts are skipped; the end has no trailer fields")
    func chunkedRequest() {
        var encoder = UpstreamRequestEncoder()
        let allocator = ByteBufferAllocator()
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/up?x=1",
            headers: ["Host": "h", "Transfer-Encoding": "chunked"]
        )
        var wire = UpstreamRequestEncoder.head(head, allocator: allocator)
        encoder.headSent(chunked: true)
        for part in ["hello", "", "0123456789abcdef0"] {
            if var prefix = encoder.bodyPrefix(length: part.utf8.count, allocator: allocator) { wire.writeBuffer(&prefix) }
            wire.writeString(part)
        }
        var end = encoder.end(allocator: allocator)!
        wire.writeBuffer(&end)
        #expect(
            String(buffer: wire)
                == "POST /up?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n11\r\n0123456789abcdef0\r\n0\r\n\r\n"
        )
    }

    @Test("a body with a length goes as it is, with nothing after it")
    func lengthRequest() {
        var encoder = UpstreamRequestEncoder()
        let allocator = ByteBufferAllocator()
        let head = HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/", headers: ["Content-Length": "3"])
        #expect(String(buffer: UpstreamRequestEncoder.head(head, allocator: allocator)) == "PUT / HTTP/1.1\r\nContent-Length: 3\r\n\r\n")
        encoder.headSent(chunked: false)
        #expect(encoder.bodyPrefix(length: 3, allocator: allocator) == nil)
        #expect(encoder.end(allocator: allocator) == nil)
    }

    @Test("chunk sizes are written in lowercase hexadecimal", arguments: [(1, "1"), (15, "f"), (255, "ff"), (4096, "1000"), (65536, "10000"), (1 << 30, "40000000")])
    func chunkSizeLine(length: Int, hex: String) {
        var encoder = UpstreamRequestEncoder()
        encoder.headSent(chunked: true)
        let prefix = encoder.bodyPrefix(length: length, allocator: ByteBufferAllocator())
        #expect(prefix.map { String(buffer: $0) } == hex + "\r\n")
    }
}
