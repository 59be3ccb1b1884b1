import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing

@testable import ZenithProxy

/// `SmallHTTPServer`'s connection pipeline on an `EmbeddedChannel` (raw request bytes in, raw
/// answer bytes out, the loop's clock moved by hand), and one real listener on loopback.
@Suite("small HTTP server")
struct SmallHTTPServerTests {
    static let limits = SmallHTTPServer.Limits(
        headerBytes: 1024, bodyBytes: 8, headerTimeout: .seconds(10), idleTimeout: .seconds(75)
    )

    /// Answers `METHOD path body` in plain text; `/fail` fails its future.
    static let echo: SmallHTTPServer.Respond = { request in
        guard request.path != "/fail" else {
            return request.eventLoop.makeFailedFuture(ChannelError.alreadyClosed)
        }
        let text = "\(request.head.method) \(request.path) \(String(buffer: request.body))"
        return request.eventLoop.makeSucceededFuture(
            SmallHTTPResponse(.ok, contentType: "text/plain", text: text, headers: ["x-answer": "echo"])
        )
    }

    /// One accepted connection with the server's pipeline, and the lines its logger wrote.
    /// A connection to a listener that answers with `echo`.
    static func connection() throws -> EmbeddedHTTPConnection {
        try EmbeddedHTTPConnection { connection in
            try SmallHTTPServer.configure(
                connection.channel, name: "test", limits: Self.limits, logger: connection.capturingLogger(label: "test"),
                respond: Self.echo
            )
        }
    }

    static let get = "GET /a?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"

    @Test("the handler's answer is written whole: status, its headers, type, length, body")
    func answerWritten() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        let expected = "HTTP/1.1 200 OK\r\nx-answer: echo\r\ncontent-type: text/plain\r\ncontent-length: 7\r\n\r\nGET /a "
        #expect(try connection.received() == expected)
    }

    @Test("a kept connection answers one request after another, pipelined ones in order")
    func keepAlive() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        #expect(try connection.received().hasSuffix("GET /a "))
        try connection.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let text = try connection.received()
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 2)
        #expect(text.range(of: "GET /b")!.lowerBound < text.range(of: "GET /c")!.lowerBound)
        #expect(connection.isOpen)
    }

    @Test("Connection: close is answered with Connection: close, then the connection closes")
    func connectionClose() throws {
        let connection = try Self.connection()
        try connection.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(try connection.received().contains("\r\nconnection: close\r\n"))
        #expect(!connection.isOpen)
    }

    @Test("a body within the bound reaches the handler")
    func bodyWithinBound() throws {
        let connection = try Self.connection()
        try connection.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n12345678")
        #expect(try connection.received().hasSuffix("POST /p 12345678"))
    }

    @Test("an announced body above the bound is a 413; the body is dropped and the connection kept")
    func announcedBodyTooLarge() throws {
        let connection = try Self.connection()
        try connection.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n")
        let refusal = try connection.received()
        #expect(refusal.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(!refusal.contains("connection: close"))
        try connection.send("123456789" + Self.get)
        #expect(try connection.received().hasSuffix("GET /a "))
        #expect(connection.isOpen)
    }

    @Test("an announced body far above the bound is a 413 that closes the connection instead of reading it")
    func announcedHugeBody() throws {
        let connection = try Self.connection()
        try connection.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n")
        let refusal = try connection.received()
        #expect(refusal.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(refusal.contains("\r\nconnection: close\r\n"))
        #expect(!connection.isOpen)
    }

    @Test("a chunked body that grows above the bound is a 413, and the connection closes")
    func chunkedBodyTooLarge() throws {
        let connection = try Self.connection()
        try connection.send("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n")
        #expect(try connection.received().isEmpty)
        try connection.send("5\r\n67890\r\n")
        let text = try connection.received()
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(text.contains("\r\nconnection: close\r\n"))
        #expect(!connection.isOpen)
    }

    @Test("a head above the header limit is a 431 with a log line, and the connection closes")
    func headerTooLarge() throws {
        let connection = try Self.connection()
        try connection.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 2048))\r\n\r\n")
        #expect(try connection.received().hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(!connection.isOpen)
        #expect(connection.logLines.all == ["rejected malformed request"])
    }

    @Test("a malformed request is a 400 with a log line, and the connection closes")
    func malformed() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        _ = try connection.received()
        try connection.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        let text = try connection.received()
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(text.contains("\r\nconnection: close\r\n"))
        #expect(!connection.isOpen)
        #expect(connection.logLines.all == ["rejected malformed request"])
    }

    @Test("a connection that sends no complete head within the header timeout is closed")
    func headerTimeout() throws {
        let connection = try Self.connection()
        try connection.send("GET / HTTP/1.1\r\nHost:")
        connection.wait(.seconds(9))
        #expect(connection.isOpen)
        connection.wait(.seconds(1))
        #expect(!connection.isOpen)
        #expect(try connection.received().isEmpty)
    }

    @Test("a body that stalls for the header timeout closes the connection")
    func stalledBody() throws {
        let connection = try Self.connection()
        try connection.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n1234")
        connection.wait(.seconds(10))
        #expect(!connection.isOpen)
    }

    @Test("a kept connection idle for the idle timeout after an answer is closed")
    func idleTimeout() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        _ = try connection.received()
        connection.wait(.seconds(74))
        #expect(connection.isOpen)
        connection.wait(.seconds(1))
        #expect(!connection.isOpen)
    }

    @Test("a HEAD request gets the head with the body's length and no body")
    func headRequest() throws {
        let connection = try Self.connection()
        try connection.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.received().hasSuffix("content-length: 8\r\n\r\n"))
        #expect(connection.isOpen)
    }

    @Test("a handler whose future fails gets a 500 and a log line")
    func failedAnswer() throws {
        let connection = try Self.connection()
        try connection.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.received().hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        #expect(connection.logLines.all == ["answer failed"])
        #expect(connection.isOpen)
    }

    @Test("a real listener on loopback answers over TCP and closes its socket")
    func loopback() async throws {
        let server = try await SmallHTTPServer.start(
            name: "test", host: "127.0.0.1", port: 0, limits: Self.limits, group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test"), respond: Self.echo
        )
        let port = try #require(server.boundAddress?.port)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let text = try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /net HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            var text = ""
            for try await buffer in inbound {  // until the server closes after its answer
                text += String(buffer: buffer)
            }
            return text
        }
        await server.close()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("GET /net "))
    }
}
