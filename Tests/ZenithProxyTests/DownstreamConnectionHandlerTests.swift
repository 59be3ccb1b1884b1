import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing
import ZenithConfig

@testable import ZenithProxy

/// `DownstreamConnectionHandler` in its real HTTP/1.1 pipeline on an `EmbeddedChannel`: raw request
/// bytes in, raw response bytes out, with a `respond` route so that no upstream is involved.
/// (The rules themselves are tested on the state machine; these check that the handler does
/// what the machine says.)
@Suite("client connection handler on an EmbeddedChannel")
struct DownstreamConnectionHandlerTests {
    /// A downstream connection whose routes answer every path with `respond 200 ok`, and whose
    /// request bodies may be up to `bodyBytes` long; its access log goes to `logLines`.
    static func connection(bodyBytes: Int = 1024) throws -> EmbeddedHTTPConnection {
        let configuration = try TestConfiguration.load(
            config: "[listen]\nhttp = [\"127.0.0.1:8080\"]\n[limits]\nbody_bytes = \(bodyBytes)\n[log]\naccess = true\n",
            routes: "* / respond 200 ok\n"
        )
        return try EmbeddedHTTPConnection { connection in
            let loop = LoopContext(
                eventLoop: connection.channel.embeddedEventLoop, configuration: configuration, loopCount: 1,
                fileIO: NonBlockingFileIO(threadPool: .singleton), logger: Logger(label: "test"),
                accessLog: AccessLog(logger: connection.capturingLogger(label: "access"))
            )
            try connection.channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec(headerBytes: 8192))
            try connection.channel.pipeline.syncOperations.addHandler(DownstreamConnectionHandler(loop: loop, transport: .http1))
        }
    }

    static let get = "GET / HTTP/1.1\r\nHost: dash\r\n\r\n"

    @Test("a kept connection answers one request after another")
    func keepAlive() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        let first = try connection.received()
        #expect(first.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(!first.lowercased().contains("connection: close"))
        try connection.send(Self.get)
        #expect(try connection.received().hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(connection.isOpen)
        #expect(connection.logLines.all.count == 2)
    }

    @Test("pipelined requests are answered in order, each after the one before")
    func pipelining() throws {
        let connection = try Self.connection()
        try connection.send(Self.get + "GET /second HTTP/1.1\r\nHost: dash\r\n\r\n" + Self.get)
        let text = try connection.received()
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 3)
        #expect(connection.logLines.all.map { $0.contains("/second") } == [false, true, false])
        #expect(connection.isOpen)
    }

    @Test("Connection: close is answered with Connection: close, and what was pipelined behind it is not")
    func connectionClose() throws {
        let connection = try Self.connection()
        try connection.send("GET / HTTP/1.1\r\nHost: dash\r\nConnection: close\r\n\r\n" + Self.get)
        let text = try connection.received()
        #expect(text.lowercased().contains("connection: close"))
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 1)
        #expect(!connection.isOpen)
    }

    @Test("a malformed request after a kept one gets a 400 and the connection closes")
    func malformedSecondRequest() throws {
        let connection = try Self.connection()
        try connection.send(Self.get)
        _ = try connection.received()
        try connection.send("GET / HTTP/1.1\r\nHost: dash\r\nBad Header\r\n\r\n")
        let text = try connection.received()
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(text.lowercased().contains("connection: close"))
        #expect(!connection.isOpen)
    }

    @Test("a body above the limit is refused with 413 mid-body, and the connection closes")
    func bodyOverLimit() throws {
        let connection = try Self.connection(bodyBytes: 4)
        try connection.send("POST / HTTP/1.1\r\nHost: dash\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        #expect(try connection.received().isEmpty)
        try connection.send("2\r\nde\r\n")
        let text = try connection.received()
        #expect(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(!connection.isOpen)
    }

    @Test("a client gone mid-body leaves an aborted access line and no answer")
    func clientGoneMidBody() throws {
        let connection = try Self.connection()
        try connection.send("POST / HTTP/1.1\r\nHost: dash\r\nContent-Length: 10\r\n\r\nabcde")
        #expect(try connection.received().isEmpty)
        try connection.channel.close().wait()
        connection.channel.embeddedEventLoop.run()
        #expect(connection.logLines.all.count == 1)
        #expect(connection.logLines.all.first?.hasSuffix(" aborted") == true)
    }

    @Test("a drain closes an idle connection at once and a busy one after its answer")
    func drain() throws {
        let idle = try Self.connection()
        idle.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        idle.channel.embeddedEventLoop.run()
        #expect(!idle.isOpen)

        let busy = try Self.connection()
        try busy.send("POST / HTTP/1.1\r\nHost: dash\r\nContent-Length: 2\r\n\r\n")
        busy.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        busy.channel.embeddedEventLoop.run()
        #expect(busy.isOpen)
        try busy.send("ab")
        #expect(try busy.received().lowercased().contains("connection: close"))
        #expect(!busy.isOpen)
    }

    @Test("reads stop while the client takes nothing and resume when it does")
    func readsFollowWritability() throws {
        let connection = try Self.connection()
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        let reads = ReadCounter()
        try connection.channel.pipeline.syncOperations.addHandler(reads, position: .first)
        connection.channel.read()
        #expect(reads.count == 0)
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == 1)
    }
}

/// Counts the reads that reach the head of the pipeline (the socket).
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var count = 0

    func read(context: ChannelHandlerContext) {
        self.count += 1
        context.read()
    }
}
