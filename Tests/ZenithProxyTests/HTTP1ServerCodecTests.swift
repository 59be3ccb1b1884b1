import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import ZenithProxy

/// `HTTP1ServerCodec` on an `EmbeddedChannel`: a client's bytes in, the request parts and errors
/// `DownstreamConnectionHandler` would get out; response parts in, the bytes a client gets out.
/// Every refusal NIOHTTP1's codec made before is listed here with the error it is answered by
/// (`.headerOverflow` is 431, any other 400); `fuzz-request-decoder` compares the two codecs.
@Suite("client HTTP/1 codec (RFC 9112)")
struct HTTP1ServerCodecTests {
    /// What came out of the codec, flattened for comparison.
    enum Event: Equatable {
        case head(String, [String])
        case body(String)
        case end
        case error(HTTPParserError)
    }

    /// Records the parts and errors the codec passes on.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        var events: [Event] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.events.append(.head("\(head.method) \(head.uri) \(head.version)", head.headers.map { "\($0.name)=\($0.value)" }))
            case .body(let buffer):
                if case .body(let earlier) = self.events.last {
                    self.events[self.events.count - 1] = .body(earlier + String(buffer: buffer))
                } else {
                    self.events.append(.body(String(buffer: buffer)))
                }
            case .end(let trailers):
                #expect(trailers == nil)
                self.events.append(.end)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            self.events.append(.error(error as! HTTPParserError))
        }
    }

    /// Feeds `pieces`, one read each, then closes the connection if `close`.
    static func decode(_ pieces: [String], headerBytes: Int = 1024, close: Bool = false) throws -> [Event] {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec(headerBytes: headerBytes))
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        for piece in pieces {
            try channel.writeInbound(ByteBuffer(string: piece))
        }
        if close {
            _ = try channel.finish()
        }
        return recorder.events
    }

    static let get = Event.head("GET / HTTP/1.1", ["Host=h"])

    @Test("a head, then its end; the next request on the same connection")
    func keepAlive() throws {
        #expect(try Self.decode(["GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"])
            == [Self.get, .end, Self.get, .end])
    }

    @Test("field values lose the whitespace around them; names keep their case")
    func fieldValues() throws {
        #expect(try Self.decode(["GET /a?b HTTP/1.0\r\nX-A:  one two \t\r\nx-b:\r\n\r\n"])
            == [.head("GET /a?b HTTP/1.0", ["X-A=one two", "x-b="]), .end])
    }

    @Test("a head split at every byte gives the same parts")
    func splitHead() throws {
        let request = "\r\nPOST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        let expected: [Event] = [.head("POST /x HTTP/1.1", ["Host=h", "Content-Length=5"]), .body("hello"), .end]
        #expect(try Self.decode(request.map { String($0) }) == expected)
        for cut in 1..<request.utf8.count {
            let bytes = Array(request.utf8)
            let pieces = [String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)]
            #expect(try Self.decode(pieces) == expected, "cut at \(cut)")
        }
    }

    @Test("a chunked body: extensions ignored, trailer fields checked and dropped")
    func chunked() throws {
        let events = try Self.decode([
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhel",
            "lo\r\n3\r\n, w\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        ])
        #expect(events == [
            .head("POST / HTTP/1.1", ["Host=h", "Transfer-Encoding=chunked"]), .body("hello, w"), .end, Self.get, .end,
        ])
    }

    @Test("malformed requests are refused with 400, and nothing after them is read", arguments: [
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", HTTPParserError.invalidHeaderToken),  // whitespace before the colon
        ("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", .invalidHeaderToken),  // obs-fold
        ("GET / HTTP/1.1\r\nHost: h\nX: a\r\n\r\n", .invalidHeaderToken),  // bare LF
        ("GET / HTTP/1.1\r\nHost: h\rX: a\r\n\r\n", .invalidHeaderToken),  // bare CR
        ("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n", .invalidHeaderToken),  // not a token
        ("GET / HTTP/1.1\r\n: h\r\n\r\n", .invalidHeaderToken),  // empty name
        ("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", .invalidHeaderToken),  // control byte
        ("GET / HTTP/1.1\nHost: h\r\n\r\n", .invalidVersion),  // request line ending in a bare LF
        ("FOO / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("get / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidURL),
        ("GET nothere HTTP/1.1\r\nHost: h\r\n\r\n", .invalidURL),
        ("GET /a\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidURL),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", .invalidVersion),
        ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidVersion),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3 \r\n\r\nabc", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n", .invalidHeaderToken),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a\r\nab\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\u{FF}\r\nab\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0 \r\n\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a\rb\r\nab\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\nab\r\n", .invalidChunkSize),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n", .invalidHeaderToken),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : 5\r\n\r\n", .invalidHeaderToken),
    ])
    func malformed(request: String, error: HTTPParserError) throws {
        let events = try Self.decode([request, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        #expect(events.last == .error(error))
        #expect(events.filter { if case .error = $0 { true } else { false } }.count == 1)
        #expect(!events.contains(Self.get))
    }

    @Test("a head above the limit is refused with 431, whole or still arriving")
    func headTooLarge() throws {
        let big = String(repeating: "a", count: 600)
        #expect(try Self.decode(["GET / HTTP/1.1\r\nX: \(big)\r\n\r\n"], headerBytes: 512) == [.error(.headerOverflow)])
        #expect(try Self.decode(["GET / HTTP/1.1\r\nX: \(big)"], headerBytes: 512) == [.error(.headerOverflow)])
        #expect(try Self.decode(["GET /\(big) HTTP/1.1"], headerBytes: 512) == [.error(.headerOverflow)])
        // What counts is the target, names and values, as NIOHTTP1 counted them.
        let fits = String(repeating: "a", count: 500)
        #expect(try Self.decode(["GET / HTTP/1.1\r\nHost: h\r\nXY: \(fits)\r\n\r\n"], headerBytes: 512).last == .end)
    }

    @Test("a head whose framing is refused is passed on, and nothing after it is read", arguments: [
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\nabc",
    ])
    func refusedFraming(request: String) throws {
        let events = try Self.decode([request, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"])
        #expect(events.count == 1)
        guard case .head = events.first else {
            Issue.record("expected only a head, got \(events)")
            return
        }
        #expect(RequestHeadFields.read(try Self.head(request)).framingProblem != nil)
    }

    @Test("after an upgrade request or CONNECT nothing is read: those bytes are the next protocol's")
    func upgrade() throws {
        let upgrade = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\u{81}\u{80}GET / HTTP/1.1\r\n\r\n"
        #expect(try Self.decode([upgrade]).count == 2)
        #expect(try Self.decode(["CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nGET / HTTP/1.1\r\n\r\n"]).count == 2)
    }

    @Test("bytes after a request that closes the connection are an error, empty lines are not")
    func afterClose() throws {
        #expect(try Self.decode(["GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n\r\n"]).count == 2)
        #expect(try Self.decode(["GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"])
            == [.head("GET / HTTP/1.0", []), .end, .error(.closedConnection)])
        #expect(try Self.decode(["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"]).last == .end)
    }

    @Test("a connection closed inside a request is an error; between requests it is not")
    func closedInside() throws {
        #expect(try Self.decode(["POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel"], close: true).last
            == .error(.invalidEOFState))
        #expect(try Self.decode(["GET / HTTP/1.1\r\nHo"], close: true) == [.error(.invalidEOFState)])
        #expect(try Self.decode(["GET / HTTP/1.1\r\nHost: h\r\n\r\n"], close: true) == [Self.get, .end])
    }

    /// The head `request` starts with, as the codec reads it.
    static func head(_ request: String) throws -> HTTPRequestHead {
        let bytes = Array(request.utf8)
        return try bytes.withUnsafeBytes { raw in
            var scanned = 0
            let length = try HTTPHeadLines.headLength(in: raw, resumingAt: &scanned)!
            return try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: raw[..<(length - 2)]), headerBytes: 1024)
        }
    }

    // MARK: Responses

    /// The bytes the codec writes for `parts`, answering requests with `methods`.
    static func encode(_ parts: [HTTPServerResponsePart], answering methods: [HTTPMethod] = [.GET]) throws -> String {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec(headerBytes: 1024))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        for method in methods {
            try channel.writeInbound(ByteBuffer(string: "\(method) / HTTP/1.1\r\nHost: h\r\n\r\n"))
        }
        for part in parts {
            channel.write(part, promise: nil)
        }
        channel.flush()
        var written = ""
        while let buffer = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = buffer else { continue }
            written += String(buffer: bytes)
        }
        return written
    }

    static func response(_ status: HTTPResponseStatus, _ fields: [(String, String)] = [], version: HTTPVersion = .http1_1) -> HTTPServerResponsePart {
        .head(HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(fields)))
    }

    static let body = HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "hello")))

    @Test("a response with a length goes as it is; one without is chunked; an HTTP/1.0 one is bare")
    func framing() throws {
        #expect(try Self.encode([Self.response(.ok, [("Content-Length", "5")]), Self.body, .end(nil)])
            == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try Self.encode([Self.response(.ok, [("Transfer-Encoding", "gzip")]), Self.body, Self.body, .end(nil)])
            == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(try Self.encode([Self.response(.ok, version: .http1_0), Self.body, .end(nil)]) == "HTTP/1.0 200 OK\r\n\r\nhello")
    }

    @Test("no body for 204, 304 and 1xx, and no framing fields for them")
    func bodyless() throws {
        #expect(try Self.encode([Self.response(.noContent, [("Content-Length", "5")]), .end(nil)]) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(try Self.encode([Self.response(.notModified), .end(nil)]) == "HTTP/1.1 304 Not Modified\r\n\r\n")
        #expect(try Self.encode([Self.response(.continue), Self.response(.ok, [("Content-Length", "0")]), .end(nil)])
            == "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    }

    @Test("the answer to HEAD keeps its framing fields and has no body; the next answer has its own")
    func head() throws {
        let written = try Self.encode(
            [Self.response(.ok), Self.body, .end(nil), Self.response(.ok, [("Content-Length", "5")]), Self.body, .end(nil)],
            answering: [.HEAD, .GET]
        )
        #expect(written == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    }
}
