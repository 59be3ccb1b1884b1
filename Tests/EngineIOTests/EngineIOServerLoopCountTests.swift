import EngineIO
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite("Engine.IO server on many event loops")
struct EngineIOServerLoopCountTests {
    @Test("a server on 65 event loops starts, and a sid from its last loop finds its session")
    func sixtyFiveLoops() async throws {
        let loops = (0..<65).map { _ in NIOAsyncTestingEventLoop() }
        let server = try await EngineIOServer.make(
            configuration: EngineIOConfiguration(), eventLoops: loops, onConnection: { _ in }
        )
        let last = loops[64]
        let closed = last.makePromise(of: Void.self)

        let open = try await Self.send(.GET, "/engine.io/?EIO=4&transport=polling", to: server, on: last, closed: closed)
        #expect(open.status == .ok)
        let sid = try #require(Self.sid(inOpenPacket: open.body))
        #expect(sid.utf8.count == 21)

        let post = try await Self.send(.POST, "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "6", to: server, on: loops[0], closed: closed)
        #expect(post.status == .ok)
        #expect(String(buffer: post.body) == "ok")

        closed.succeed()
        await server.dropAllSessions()
        for loop in loops {
            try await loop.shutdownGracefully()
        }
    }

    private static func send(
        _ method: HTTPMethod, _ uri: String, body: String = "", to server: EngineIOServer, on loop: EventLoop,
        closed: EventLoopPromise<Void>
    ) async throws -> EngineIOHTTPResponse {
        let request = EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: uri), body: ByteBuffer(string: body),
            bodyExceededLimit: false, remoteAddress: nil, connectionClosed: closed.futureResult
        )
        return try await loop.flatSubmit { server.respond(to: request, on: loop) }.get()
    }

    /// The `sid` of a polling open packet (`0{"sid":"...",...}`).
    private static func sid(inOpenPacket body: ByteBuffer) -> String? {
        let text = String(buffer: body)
        guard let start = text.range(of: #""sid":""#)?.upperBound,
            let end = text[start...].firstIndex(of: "\"")
        else { return nil }
        return String(text[start..<end])
    }
}
