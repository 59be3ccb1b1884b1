import NIOCore
import NIOWebSocket

/// The one handler of a WebSocket connection that carries an Engine.IO session: reads frames from
/// the received bytes, joins fragmented messages, turns complete text and binary messages into
/// packets for the session and the session's frames into WebSocket frames, and answers protocol
/// errors with a close frame. (NIO's frame decoder, aggregator, protocol error handler and
/// encoder did this as four handlers of their own; done here, an idle WebSocket holds four
/// handlers and pipeline contexts fewer, about 1 KB less with the encoder's header buffer.)
///
/// The channel may live on another event loop than its session (the upgrade request can arrive
/// on any loop): every call into the session hops to the session's loop, and writes from the
/// session hop to the channel's.
///
/// Nothing is read while the channel cannot take more: a client that sends pings (each answered
/// with a pong) or messages and reads nothing would otherwise grow the outbound buffer without end.
final class WebSocketTransport: ChannelDuplexHandler, EngineIOSessionWebSocket {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let channel: Channel
    private var context: ChannelHandlerContext?
    /// The session, once attached; read and written on `sessionLoop` only.
    private var session: EngineIOSession?
    private let sessionLoop: EventLoop
    /// Runs on the channel's loop when a session-less WebSocket (direct `transport=websocket`
    /// handshake) becomes active: creates the session. Let go once run: it holds the whole
    /// handshake request.
    private var onActive: ((WebSocketTransport) -> Void)?
    /// A read was asked for while the channel was not writable; done when it is again.
    private var readPending = false
    private var reader: WebSocketFrameReader
    private var assembler: WebSocketMessageAssembler

    /// `maxPayload` bounds a frame and a message joined from fragments (at most 256 of them).
    init(channel: Channel, sessionLoop: EventLoop, maxPayload: Int, onActive: ((WebSocketTransport) -> Void)?) {
        self.channel = channel
        self.sessionLoop = sessionLoop
        self.onActive = onActive
        self.reader = WebSocketFrameReader(maxFrameSize: maxPayload)
        self.assembler = WebSocketMessageAssembler(maxFragments: 256, maxSize: maxPayload)
    }

    /// The channel can take more bytes without growing its outbound buffer past the high mark.
    var isWritable: Bool { self.channel.isWritable }

    /// Written frames wait in the session loop's `WebSocketFlushBatch`; touched on that loop only.
    var flushPending = false

    /// The attached session; only to be read on the session's loop.
    fileprivate var attachedSession: EngineIOSession? { self.session }

    func attach(to session: EngineIOSession) {
        session.eventLoop.preconditionInEventLoop()
        self.session = session
    }

    // MARK: Called by the session (its loop)

    func write(_ frame: EngineIOFrame, flush: Bool) {
        let bytes: ByteBuffer
        switch frame {
        case .text(let payload): bytes = self.encoded(opcode: .text, payload)
        case .binary(let payload): bytes = self.encoded(opcode: .binary, payload)
        }
        if self.channel.eventLoop.inEventLoop, let context = self.context {
            context.write(self.wrapOutboundOut(bytes), promise: nil)
            if flush { context.flush() }
        } else if flush {
            self.channel.writeAndFlush(bytes, promise: nil)
        } else {
            self.channel.write(bytes, promise: nil)
        }
    }

    /// Writes finished WebSocket frames (a broadcast's, encoded once), when this is the channel's
    /// loop; false (nothing written) otherwise, and the caller sends frame by frame.
    func writeEncoded(_ bytes: ByteBuffer) -> Bool {
        guard self.channel.eventLoop.inEventLoop, let context = self.context else { return false }
        context.write(self.wrapOutboundOut(bytes), promise: nil)
        return true
    }

    /// `payload` as one final, unmasked frame (a server's frames are never masked), header and
    /// payload in one buffer: one iovec per frame.
    private func encoded(opcode: WebSocketOpcode, _ payload: ByteBuffer) -> ByteBuffer {
        var bytes = self.channel.allocator.buffer(capacity: payload.readableBytes + 10)
        bytes.writeWebSocketFrame(opcode: UInt8(webSocketOpcode: opcode), payload: payload)
        return bytes
    }

    func flush() {
        self.channel.flush()
    }

    func close() {
        self.channel.close(promise: nil)
    }

    // MARK: Channel events (channel's loop)

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive, let onActive = self.onActive {
            self.onActive = nil
            onActive(self)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.reader.discard()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reader.receive(self.unwrapInboundIn(data))
        do {
            while let frame = try self.reader.nextFrame() {
                self.handle(frame, context: context)
            }
        } catch {
            self.reader.discard()
            self.closeForProtocolError(error, context: context)
        }
    }

    private func handle(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch frame.opcode {
        case .text, .binary, .continuation:
            let message: WebSocketFrame?
            do {
                message = try self.assembler.take(frame, allocator: context.channel.allocator)
            } catch {
                context.close(promise: nil)
                return
            }
            if let message {
                self.receive(message)
            }
        case .ping:
            context.writeAndFlush(self.wrapOutboundOut(self.encoded(opcode: .pong, frame.unmaskedData)), promise: nil)
        case .connectionClose:
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: .normalClosure)
            let close = self.encoded(opcode: .connectionClose, reply)
            context.writeAndFlush(self.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    /// A whole text or binary message.
    private func receive(_ message: WebSocketFrame) {
        guard message.opcode == .text else {
            self.deliver(.binaryMessage(message.unmaskedData))
            return
        }
        guard let packet = try? EngineIOPacket.decode(webSocketText: message.unmaskedData) else {
            self.failSession(reason: "parse error")
            return
        }
        self.deliver(packet)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.onSessionLoop { session in session.webSocketBecameWritable(self) }
            if self.readPending {
                self.readPending = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            self.readPending = true
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.onSessionLoop { session in session.webSocketClosed(self) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// A frame that breaks the protocol is answered with a close frame (1009 for a frame above
    /// `maxPayload`, 1002 otherwise), then the connection closes.
    private func closeForProtocolError(_ error: NIOWebSocketError, context: ChannelHandlerContext) {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: error == .invalidFrameLength ? .messageTooLarge : .protocolError)
        context.writeAndFlush(self.wrapOutboundOut(self.encoded(opcode: .connectionClose, data)), promise: nil)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.onSessionLoop { session in session.drop(reason: "server shutting down") }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func deliver(_ packet: EngineIOPacket) {
        self.onSessionLoop { session in session.webSocket(self, received: packet) }
    }

    private func failSession(reason: String) {
        self.onSessionLoop { session in session.webSocketFailed(self, reason: reason) }
    }

    /// Runs `body` on the session's loop with the session, if one is attached.
    private func onSessionLoop(_ body: @escaping (EngineIOSession) -> Void) {
        let loop = self.sessionLoop
        if loop.inEventLoop {
            if let session = self.session { body(session) }
            return
        }
        let call = SessionLoopCall(transport: self, body: body)
        loop.execute { call.run() }
    }
}

/// A call into a session made from its WebSocket's event loop, carried to the session's loop.
/// Only ever run there, once; the transport's `session` is read on that loop only.
private final class SessionLoopCall: @unchecked Sendable {
    private let transport: WebSocketTransport
    private let body: (EngineIOSession) -> Void

    init(transport: WebSocketTransport, body: @escaping (EngineIOSession) -> Void) {
        self.transport = transport
        self.body = body
    }

    func run() {
        if let session = self.transport.attachedSession { self.body(session) }
    }
}
