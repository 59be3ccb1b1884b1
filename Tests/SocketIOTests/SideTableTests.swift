import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SideTableProbe
import Testing
import ZenithJSON

@testable import EngineIO
@testable import SocketIO

/// A namespace that keeps what a policy keeps: the socket, an acknowledgement to send, and an
/// emit awaiting the client's acknowledgement. Confined to the test's embedded loop.
private final class KeepingNamespace: SocketIONamespaceHandler, @unchecked Sendable {
    var socket: SocketIOSocket?
    var acknowledgements: [SocketIOAcknowledgement] = []

    func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        socket.eventLoop.makeSucceededFuture(nil)
    }

    func connected(_ socket: SocketIOSocket) {
        self.socket = socket
        socket.emit("hello", []) { _ in }
    }

    func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        guard let ack else { return }
        ack.send([.bool(true)])
        self.acknowledgements.append(ack)
    }

    func disconnected(_ socket: SocketIOSocket, reason: String) {}
}

/// The objects a broadcast retains once per recipient (the socket, its session) must never get a
/// side table, or every one of those retains takes the runtime's slow path (`SocketIOSocket`).
@Suite("Broadcast recipients keep no side table")
struct SideTableTests {
    @Test("a socket that answered an ack'ed subscribe and awaits an ack, and its polling session, have no side table")
    func socketAndSession() throws {
        let loop = EmbeddedEventLoop()
        let connectionClosed = loop.makePromise(of: Void.self)
        defer { connectionClosed.succeed() }
        let registry = EngineIOSessionRegistry(
            perAddress: SessionsPerAddress(limit: 10), eventLoop: loop, configuration: EngineIOConfiguration()
        )
        let handshake = EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/socket.io/?EIO=4&transport=polling"),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: nil, connectionClosed: connectionClosed.futureResult
        )
        let session = EngineIOSession(id: "sid", eventLoop: loop, handshake: handshake, registry: registry, webSocket: nil)
        registry.add(session)
        session.start()
        let namespace = KeepingNamespace()
        let connection = SocketIOConnection(
            session: session, loopState: SocketIOLoopState(logger: Logger(label: "test")), namespaces: ["/": namespace],
            configuration: SocketIOConfiguration(), recovery: nil
        )
        session.delegate = connection
        let poll = EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/socket.io/?EIO=4&transport=polling&sid=sid"),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: nil, connectionClosed: connectionClosed.futureResult
        )
        _ = session.poll(poll, headers: [:])

        connection.engineIOSession(session, didReceiveText: "0")
        loop.run()
        let socket = try #require(namespace.socket)
        connection.engineIOSession(session, didReceiveText: #"21["subscribe","room"]"#)
        #expect(namespace.acknowledgements.count == 1)

        #expect(sideTableProbeWorks())
        #expect(!hasSideTable(socket))
        #expect(!hasSideTable(session))
        session.close()
        loop.run()
    }
}
