import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import SideTableProbe
import Testing

@testable import EngineIO

/// What a session told its delegate.
private final class RecordingDelegate: EngineIOSessionDelegate {
    var texts: [String] = []
    var closeReason: String?

    func engineIOSession(_ session: EngineIOSession, didReceiveText text: String) {
        self.texts.append(text)
    }

    func engineIOSession(_ session: EngineIOSession, didReceiveBinary data: ByteBuffer) {}

    func engineIOSessionDidClose(_ session: EngineIOSession, reason: String) {
        self.closeReason = reason
    }
}

/// An `EngineIOSession` with its timers on an `EmbeddedEventLoop` and its WebSockets on
/// `EmbeddedChannel`s of that loop: the actions of the state machine as they reach the wire.
@Suite("Engine.IO session on an embedded event loop")
final class EngineIOSessionTests {
    private let loop = EmbeddedEventLoop()
    /// The HTTP connection that carries the polls; it closes when the test ends.
    private let connection: EventLoopPromise<Void>
    private let delegate = RecordingDelegate()
    private let configuration = EngineIOConfiguration(
        pingInterval: .seconds(25), pingTimeout: .seconds(20), upgradeTimeout: .seconds(10), maxQueuedPackets: 2
    )

    init() {
        self.connection = self.loop.makePromise()
    }

    deinit {
        self.connection.succeed()
    }

    /// A started session in its registry, over `webSocket` or polling.
    private func startSession(over webSocket: WebSocketTransport? = nil) -> EngineIOSession {
        let registry = EngineIOSessionRegistry(
            perAddress: SessionsPerAddress(limit: 10), eventLoop: self.loop, configuration: self.configuration
        )
        let handshake = EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/engine.io/?EIO=4&transport=polling"),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: nil,
            connectionClosed: self.connection.futureResult
        )
        let session = EngineIOSession(
            id: "sid", eventLoop: self.loop, handshake: handshake, registry: registry, webSocket: webSocket
        )
        registry.add(session)
        session.start()
        session.delegate = self.delegate
        return session
    }

    /// A connected channel on the session's loop whose last handler is a `WebSocketTransport`;
    /// frames are written to it and read from it as bytes on the wire.
    private func webSocketChannel() throws -> (EmbeddedChannel, WebSocketTransport) {
        let channel = EmbeddedChannel(loop: self.loop)
        let transport = WebSocketTransport(channel: channel, sessionLoop: self.loop, maxPayload: 1000, onActive: nil)
        try channel.pipeline.syncOperations.addHandler(transport)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, transport)
    }

    /// A GET for the session over `connection`, or the test's connection.
    private func poll(
        _ session: EngineIOSession, connection: EventLoopPromise<Void>? = nil
    ) -> EventLoopFuture<EngineIOHTTPResponse> {
        let request = EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/engine.io/?EIO=4&transport=polling&sid=sid"),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: nil,
            connectionClosed: (connection ?? self.connection).futureResult
        )
        return session.poll(request, headers: [:])
    }

    /// The body of a completed poll, or nil while it is held.
    private func body(of poll: EventLoopFuture<EngineIOHTTPResponse>) -> String? {
        var body: String?
        poll.assumeIsolated().whenSuccess { body = String(buffer: $0.body) }
        return body
    }

    /// A client's text frame (masked, as clients send them) as bytes on the wire.
    private func sendText(_ text: String, to channel: EmbeddedChannel) throws {
        let mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        var bytes = ByteBuffer(bytes: [0x81, 0x80 | UInt8(text.utf8.count)] + mask)
        bytes.writeBytes(text.utf8.enumerated().map { $1 ^ mask[$0 % 4] })
        try channel.writeInbound(bytes)
    }

    /// The text frames written to the channel so far.
    private func writtenTexts(_ channel: EmbeddedChannel) throws -> [String] {
        var texts: [String] = []
        var reader = WebSocketFrameReader(maxFrameSize: 1 << 20)
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            reader.receive(bytes)
            while let frame = try reader.nextFrame() {
                texts.append(String(buffer: frame.unmaskedData))
            }
        }
        return texts
    }

    @Test("an upgrade racing a poll: 3probe, the held GET ends with a noop, and frames queued meanwhile go out on the WebSocket")
    func upgradeRacingAPoll() throws {
        let session = self.startSession()
        let (channel, probe) = try self.webSocketChannel()
        let held = self.poll(session)
        session.beginUpgrade(probe)

        try self.sendText("2probe", to: channel)
        #expect(try self.writtenTexts(channel) == ["3probe"])
        #expect(self.body(of: held) == "6")

        session.send(.message("queued"))
        try self.sendText("5", to: channel)
        #expect(session.transportName == "websocket")
        #expect(try self.writtenTexts(channel) == ["4queued"])

        session.send(.message("direct"))
        self.loop.run()  // the flush batch
        #expect(try self.writtenTexts(channel) == ["4direct"])
        try self.sendText("4hello", to: channel)
        #expect(self.delegate.texts == ["hello"])
    }

    @Test("a ping timeout during an upgrade ends the held GET with a close packet, closes the probe and tells the delegate")
    func pingTimeoutDuringUpgrade() throws {
        let session = self.startSession()
        let (channel, probe) = try self.webSocketChannel()
        session.beginUpgrade(probe)
        let first = self.poll(session)

        self.loop.advanceTime(by: .seconds(25))
        #expect(self.body(of: first) == "2")
        let second = self.poll(session)
        self.loop.advanceTime(by: .seconds(20))

        #expect(self.body(of: second) == "1")
        #expect(!channel.isActive)
        #expect(session.isClosed)
        #expect(self.delegate.closeReason == "ping timeout")
    }

    @Test("a pong in time keeps the session, and the next ping comes a ping interval later")
    func pongKeepsTheSession() throws {
        let (channel, webSocket) = try self.webSocketChannel()
        let session = self.startSession(over: webSocket)
        #expect(try self.writtenTexts(channel).map { $0.prefix(1) } == ["0"])

        self.loop.advanceTime(by: .seconds(25))
        self.loop.run()
        #expect(try self.writtenTexts(channel) == ["2"])
        try self.sendText("3", to: channel)
        self.loop.advanceTime(by: .seconds(20))
        #expect(!session.isClosed)
        self.loop.advanceTime(by: .seconds(5))
        self.loop.run()
        #expect(try self.writtenTexts(channel) == ["2"])
    }

    @Test("the upgrade timeout closes a probe that never sends 5; the session polls on")
    func upgradeTimeout() throws {
        let session = self.startSession()
        let (channel, probe) = try self.webSocketChannel()
        session.beginUpgrade(probe)
        try self.sendText("2probe", to: channel)

        self.loop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
        #expect(!session.isClosed)
        #expect(self.body(of: self.poll(session)) == nil)
        session.close()
    }

    @Test("a WebSocket client that reads nothing is dropped as a slow consumer, with a close packet")
    func slowConsumer() throws {
        let (channel, webSocket) = try self.webSocketChannel()
        let session = self.startSession(over: webSocket)
        _ = try self.writtenTexts(channel)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()  // as NIO does when the outbound buffer fills
        for text in ["a", "b", "c"] {
            session.send(.message(text))
        }
        #expect(session.isClosed)
        #expect(self.delegate.closeReason == "slow consumer")
        #expect(try self.writtenTexts(channel) == ["1"])
        #expect(!channel.isActive)
    }

    @Test("a held GET whose connection closes is answered 400 and ends the session")
    func heldPollConnectionCloses() throws {
        let session = self.startSession()
        let connection = self.loop.makePromise(of: Void.self)
        let held = self.poll(session, connection: connection)
        connection.succeed()
        #expect(try held.wait().status == .badRequest)
        #expect(self.delegate.closeReason == "poll connection closed prematurely")
    }

    @Test("a held GET's connection is watched without a side table on the session, and lets go of it when it closes")
    func heldPollWatchHoldsNoSideTable() throws {
        #expect(sideTableProbeWorks())
        let connection = self.loop.makePromise(of: Void.self)
        defer { connection.succeed() }
        var session: EngineIOSession? = self.startSession()
        _ = self.poll(session!, connection: connection)
        #expect(!hasSideTable(session!))
        session!.close()
        self.loop.advanceTime(by: .seconds(26))  // past the ping timer, which holds its session until due
        weak let closed = session
        session = nil
        #expect(closed == nil, "the watch on the still open connection holds the closed session")
    }

    @Test("a broadcast reaches a writable WebSocket as its shared bytes, and waits in the queue while it is not writable")
    func broadcastOverWebSocket() throws {
        let channel = EmbeddedChannel(loop: self.loop)
        let webSocket = WebSocketTransport(channel: channel, sessionLoop: self.loop, maxPayload: 1000, onActive: nil)
        try WebSocketHandshake.installHandlers(on: channel, transport: webSocket)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let session = self.startSession(over: webSocket)
        _ = try Self.writtenBytes(channel)
        let broadcast = EngineIOBroadcastFrames([.message("a"), .message("b")])

        session.send(broadcast)
        self.loop.run()
        // One write of the shared buffer, past the frame encoder.
        #expect(try channel.readOutbound(as: ByteBuffer.self) == broadcast.webSocketBytes)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()  // as NIO does when the outbound buffer fills
        session.send(broadcast)
        self.loop.run()
        #expect(try Self.writtenBytes(channel).readableBytes == 0)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try Self.writtenBytes(channel) == broadcast.webSocketBytes)
    }

    /// All bytes written to the channel so far, for a pipeline that ends in the frame encoder.
    private static func writtenBytes(_ channel: EmbeddedChannel) throws -> ByteBuffer {
        var all = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) {
            all.writeBuffer(&part)
        }
        return all
    }

    @Test("drop over a WebSocket closes it without a close packet; close sends one")
    func dropVersusClose() throws {
        let (dropped, droppedWebSocket) = try self.webSocketChannel()
        self.startSession(over: droppedWebSocket).drop(reason: "server shutting down")
        #expect(try self.writtenTexts(dropped).map { $0.prefix(1) } == ["0"])
        #expect(!dropped.isActive)

        let (closed, closedWebSocket) = try self.webSocketChannel()
        self.startSession(over: closedWebSocket).close()
        #expect(try self.writtenTexts(closed).map { $0.prefix(1) } == ["0", "1"])
        #expect(!closed.isActive)
    }
}
