import NIOCore
import NIOWebSocket

/// The last handler of a WebSocket connection that carries an Engine.IO session: turns complete
/// text and binary messages into packets for the session and the session's frames into
/// WebSocket frames.
///
/// The channel may live on another event loop than its session (the upgrade request can arrive
/// on any loop): every call into the session hops to the session's loop, and writes from the
/// session hop to the channel's.
///
/// Nothing is read while the channel cannot take more: a client that sends pings (each answered
/// with a pong) or messages and reads nothing would otherwise grow the outbound buffer without end.
final class WebSocketTransport: ChannelDuplexHandler, EngineIOSessionWebSocket {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let channel: Channel
    private var context: ChannelHandlerContext?
    /// The session, once attached; read and written on `sessionLoop` only.
    private var session: EngineIOSession?
    private let sessionLoop: EventLoop
    /// Runs on the channel's loop when a session-less WebSocket (direct `transport=websocket`
    /// handshake) becomes active: creates the session.
    private let onActive: ((WebSocketTransport) -> Void)?
    /// A read was asked for while the channel was not writable; done when it is again.
    private var readPending = false

    init(channel: Channel, sessionLoop: EventLoop, onActive: ((WebSocketTransport) -> Void)?) {
        self.channel = channel
        self.sessionLoop = sessionLoop
        self.onActive = onActive
    }

    /// The channel can take more bytes without growing its outbound buffer past the high mark.
    var isWritable: Bool { self.channel.isWritable }

    /// The context of the channel's `WebSocketFrameEncoder`: bytes written on it skip the encoder
    /// (for frames encoded once per broadcast). Set and read on the channel's loop.
    var frameEncoderContext: ChannelHandlerContext?

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
        let webSocketFrame: WebSocketFrame
        switch frame {
        case .text(let buffer): webSocketFrame = WebSocketFrame(fin: true, opcode: .text, data: buffer)
        case .binary(let buffer): webSocketFrame = WebSocketFrame(fin: true, opcode: .binary, data: buffer)
        }
        if self.channel.eventLoop.inEventLoop, let context = self.context {
            context.write(self.wrapOutboundOut(webSocketFrame), promise: nil)
            if flush { context.flush() }
        } else if flush {
            self.channel.writeAndFlush(webSocketFrame, promise: nil)
        } else {
            self.channel.write(webSocketFrame, promise: nil)
        }
    }

    /// Writes finished WebSocket frames past the frame encoder, when this is the channel's loop;
    /// false (nothing written) otherwise, and the caller sends frame by frame.
    func writeEncoded(_ bytes: ByteBuffer) -> Bool {
        guard self.channel.eventLoop.inEventLoop, let encoder = self.frameEncoderContext else { return false }
        encoder.write(NIOAny(bytes), promise: nil)
        return true
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
            onActive(self)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.frameEncoderContext = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            guard let packet = try? EngineIOPacket.decode(webSocketText: frame.unmaskedData) else {
                self.failSession(reason: "parse error")
                return
            }
            self.deliver(packet)
        case .binary:
            self.deliver(.binaryMessage(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: .normalClosure)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)
            context.writeAndFlush(self.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            break
        }
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
