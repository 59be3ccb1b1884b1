import NIOCore
import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("upstream response decoding (RFC 9112 §4-7)")
struct UpstreamResponseDecoderTests {
    /// What the decoder made of a response, parts flattened for comparison.
    private enum Part: Equatable {
        case head(Int, [String])
        case body(String)
        case end
    }

    /// Feeds `pieces` one read at a time, as `UpstreamConnection` does, and returns the parts.
    private func decode(
        _ pieces: [String], method: HTTPMethod = .GET, closeAtEnd: Bool = false, maxHeadBytes: Int = 4096
    ) throws -> [Part] {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: maxHeadBytes)
        decoder.requestSent(method: method)
        var received = ByteBuffer()
        var parts: [Part] = []
        func record(_ part: HTTPClientResponsePart) {
            switch part {
            case .head(let head): parts.append(.head(Int(head.status.code), head.headers.map { "\($0.name)=\($0.value)" }))
            case .body(let buffer): parts.append(.body(String(buffer: buffer)))
            case .end: parts.append(.end)
            }
        }
        for piece in pieces {
            received.writeString(piece)
            while let part = try decoder.next(&received) {
                record(part)
            }
        }
        if closeAtEnd, let end = decoder.endOfInput() {
            record(end)
        }
        return parts
    }

    /// The failure a response is refused with, or nil.
    private func failure(_ response: String, method: HTTPMethod = .GET, maxHeadBytes: Int = 4096) -> UpstreamResponseDecoder.Failure? {
        do {
            _ = try self.decode([response], method: method, maxHeadBytes: maxHeadBytes)
            return nil
        } catch {
            return error as? UpstreamResponseDecoder.Failure
        }
    }

    /// Joins body parts, which may come in several slices.
    private func body(_ parts: [Part]) -> String {
        parts.map { if case .body(let text) = $0 { text } else { "" } }.joined()
    }

    @Test("Content-Length body, with the headers as sent")
    func contentLength() throws {
        let parts = try decode(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b c \r\n\r\nhello"])
        #expect(parts == [.head(200, ["Content-Length=5", "X-A=b c"]), .body("hello"), .end])
    }

    @Test("a response split anywhere gives the same parts", arguments: [1, 2, 3, 7, 16])
    func splitReads(step: Int) throws {
        let whole = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
        let pieces = stride(from: 0, to: whole.utf8.count, by: step).map {
            String(whole.dropFirst($0).prefix(step))
        }
        let parts = try decode(pieces)
        #expect(parts.first == .head(200, []))
        #expect(parts.last == .end)
        #expect(body(parts) == "hello world")
    }

    @Test("two responses on one connection, keep-alive known from each head")
    func keepAlive() throws {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: 4096)
        var received = ByteBuffer(string: "HTTP/1.1 204 No Content\r\n\r\n")
        decoder.requestSent(method: .GET)
        #expect(try decoder.next(&received).map { if case .head = $0 { true } else { false } } == true)
        #expect(decoder.keepAlive)
        #expect(try decoder.next(&received) == .end(nil))
        received.writeString("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        decoder.requestSent(method: .GET)
        _ = try decoder.next(&received)
        #expect(!decoder.keepAlive, "HTTP/1.0 without Connection: keep-alive")
        #expect(try decoder.next(&received) == .end(nil))
        received.writeString("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n")
        decoder.requestSent(method: .GET)
        _ = try decoder.next(&received)
        #expect(!decoder.keepAlive, "Connection: close")
    }

    @Test("no body for HEAD, 204 and 304, whatever the framing headers say")
    func noBody() throws {
        #expect(try decode(["HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"], method: .HEAD) == [.head(200, ["Content-Length=9"]), .end])
        #expect(try decode(["HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"]) == [.head(304, ["Content-Length=9"]), .end])
        #expect(try decode(["HTTP/1.1 204 No Content\r\n\r\n"]) == [.head(204, []), .end])
    }

    @Test("interim 1xx answers are dropped; the final one follows")
    func interim() throws {
        let parts = try decode(["HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
        #expect(parts == [.head(200, ["Content-Length=2"]), .body("ok"), .end])
    }

    @Test("an interim answer then the final one, a byte per read")
    func interimByteByByte() throws {
        let whole = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 2\r\n\r\nok"
        let parts = try decode(whole.map { String($0) })
        #expect(parts.first == .head(200, ["X-A=b", "Content-Length=2"]))
        #expect(body(parts) == "ok")
        #expect(parts.last == .end)
    }

    @Test("without framing the body runs until the close, and the connection is not reused")
    func untilClose() throws {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: 4096)
        decoder.requestSent(method: .GET)
        var received = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\nsome")
        _ = try decoder.next(&received)
        #expect(!decoder.keepAlive)
        #expect(try decoder.next(&received) == .body(ByteBuffer(string: "some")))
        #expect(try decoder.next(&received) == nil)
        #expect(decoder.endOfInput() == .end(nil))
    }

    @Test("after a 101 the bytes that follow are left for the new protocol")
    func switching() throws {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: 4096)
        decoder.requestSent(method: .GET)
        var received = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{81}\u{01}x")
        _ = try decoder.next(&received)
        #expect(try decoder.next(&received) == .end(nil))
        #expect(try decoder.next(&received) == nil)
        #expect(received.readableBytes == 4)
    }

    @Test("an unknown status code keeps its reason phrase; a missing one is allowed")
    func statusLine() throws {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: 4096)
        decoder.requestSent(method: .GET)
        var received = ByteBuffer(string: "HTTP/1.1 299 Odd But Fine\r\nContent-Length: 0\r\n\r\n")
        guard case .head(let head)? = try decoder.next(&received) else { Issue.record("no head"); return }
        #expect(head.status == .custom(code: 299, reasonPhrase: "Odd But Fine"))
        #expect(try decode(["HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"]) == [.head(200, ["Content-Length=0"]), .end])
    }

    @Test("malformed responses are refused", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", UpstreamResponseDecoder.Failure.conflictingFraming),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", .badContentLength),
        ("HTTP/1.1 200 OK\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 1\r\n\r\nx", .connectionNamesFraming),
        ("HTTP/1.1 200 OK\r\nConnection: TRANSFER-ENCODING\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .connectionNamesFraming),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\nx", .badContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .badContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n", .badContentLength),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferEncoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .badChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", .badChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", .badChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n", .badChunk),
        ("HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 0\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nX-A: a\u{0}b\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nX(A): b\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\n: b\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", .badFieldLine),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", .badFieldLine),
        ("HTTP/2.0 200 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 20 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 099 Low\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 200OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", .badStatusLine),
        ("ICY 200 OK\r\n\r\n", .badStatusLine),
        ("HTTP/1.1 200 OK\n\n", .badStatusLine),
        ("\r\nHTTP/1.1 200 OK\r\n\r\n", .badStatusLine),
    ])
    func malformed(response: String, expected: UpstreamResponseDecoder.Failure) {
        #expect(failure(response) == expected, "\(response.debugDescription)")
    }

    @Test("a head beyond the budget is refused, complete or not")
    func headTooLarge() {
        let big = "HTTP/1.1 200 OK\r\nX-Pad: " + String(repeating: "a", count: 5000) + "\r\n"
        #expect(failure(big, maxHeadBytes: 4096) == .headTooLarge)
        #expect(failure(big + "\r\n", maxHeadBytes: 4096) == .headTooLarge)
        #expect(failure(big + "\r\n", maxHeadBytes: 8192) == nil)
    }

    @Test("bytes with no request outstanding are refused")
    func unsolicited() throws {
        var decoder = UpstreamResponseDecoder(maxHeadBytes: 4096)
        var received = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")
        #expect(throws: UpstreamResponseDecoder.Failure.unsolicited) { try decoder.next(&received) }
    }

    @Test("hop-by-hop fields are left out of the head a client is sent; Set-Cookie fields stay apart")
    func hopByHop() throws {
        let parts = try decode([
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2030 07:28:00 GMT\r\nSet-Cookie: b=2\r\n"
                + "Connection: close, X-Internal\r\nX-Internal: 1\r\nKeep-Alive: 5\r\nTransfer-Encoding: chunked\r\n"
                + "Proxy-Authenticate: Basic\r\nTrailer: X-T\r\nUpgrade: h2c\r\nTE: trailers\r\n\r\n0\r\n\r\n"
        ])
        #expect(parts == [.head(200, ["Set-Cookie=a=1; Expires=Wed, 21 Oct 2030 07:28:00 GMT", "Set-Cookie=b=2"]), .end])
    }

    @Test("Connection tokens are found with any spacing, empty elements and case")
    func connectionTokens() throws {
        let parts = try decode([
            "HTTP/1.1 200 OK\r\nConnection:  close ,X-One,, \tx-TWO\t ,\r\nX-One: 1\r\nx-two: 2\r\nX-Three: 3\r\nContent-Length: 0\r\n\r\n"
        ])
        #expect(parts == [.head(200, ["X-Three=3", "Content-Length=0"]), .end])
    }

    @Test("a 101 keeps its Upgrade and Connection fields")
    func switchingKeepsUpgrade() throws {
        let parts = try decode(["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"])
        #expect(parts == [.head(101, ["Upgrade=websocket", "Connection=Upgrade"]), .end])
    }
}
