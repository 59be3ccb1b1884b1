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
    /// The channel lives on the session's loop (always for a direct WebSocket handshake; for an
    /// upgrade, when the connection happened to be accepted there).
    private let isOnSessionLoop: Bool
    /// The channel's writability, kept on its loop from `channelWritabilityChanged`: read for
    /// each broadcast's recipient, it spares a load from the channel object, one cache miss per
    /// recipient (perf showed the channel's `isWritable` at 3% of the server's time).
    private var channelIsWritable = true
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
        self.isOnSessionLoop = channel.eventLoop === sessionLoop
        self.sessionLoop = sessionLoop
        self.onActive = onActive
        self.reader = WebSocketFrameReader(maxFrameSize: maxPayload)
        self.assembler = WebSocketMessageAssembler(maxFragments: 256, maxSize: maxPayload)
    }

    /// The channel can take more bytes without growing its outbound buffer past the high mark.
    var isWritable: Bool { self.isOnSessionLoop ? self.channelIsWritable : self.channel.isWritable }

    /// Written frames wait in the session loop's `WebSocketFlushBatch`; touched on that loop only.
    var flushPending = false
    /// The session loop's flush batch, which carries writes to this channel's loop when that is
    /// another one; set by `attach`, on the session's loop.
    private var flushBatch: WebSocketFlushBatch?
    /// Carried writes wait for the flush at the end of their batch; touched on the channel's loop.
    private var carriedFlushPending = false

    /// The attached session; only to be read on the session's loop.
    fileprivate var attachedSession: EngineIOSession? { self.session }

    func attach(to session: EngineIOSession) {
        session.eventLoop.preconditionInEventLoop()
        self.session = session
        self.flushBatch = session.flushBatch
    }

    // MARK: Called by the session (its loop)

    /// Writes `frame`; flushed now with `flush`, else at the end of the session loop's run.
    func write(_ frame: EngineIOFrame, flush: Bool) {
        let bytes: ByteBuffer
        switch frame {
        case .text(let payload): bytes = self.encoded(opcode: .text, payload)
        case .binary(let payload): bytes = self.encoded(opcode: .binary, payload)
        }
        self.send(bytes, flush: flush)
    }

    /// Writes finished WebSocket frames (a broadcast's, encoded once and shared by every
    /// recipient), flushed at the end of the session loop's run.
    func writeEncoded(_ bytes: ByteBuffer) {
        self.send(bytes, flush: false)
    }

    /// On the channel's loop, a write into the pipeline (flushed now, or by the session loop's
    /// batch); from another loop, carried there by the batch with the other writes of this run,
    /// so that a recipient's frames keep their order and cost no task each.
    private func send(_ bytes: ByteBuffer, flush: Bool) {
        if self.isOnSessionLoop, let context = self.context {
            context.write(self.wrapOutboundOut(bytes), promise: nil)
            if flush {
                context.flush()
            } else if let flushBatch = self.flushBatch {
                flushBatch.add(self)
            } else {
                context.flush()
            }
        } else if let flushBatch = self.flushBatch {
            flushBatch.carry(.write(self, bytes), to: self.channel.eventLoop)
        } else {
            self.channel.writeAndFlush(bytes, promise: nil)
        }
    }

    /// `payload` as one final, unmasked frame (a server's frames are never masked), header and
    /// payload in one buffer: one iovec per frame.
    private func encoded(opcode: WebSocketOpcode, _ payload: ByteBuffer) -> ByteBuffer {
        var bytes = self.channel.allocator.buffer(capacity: payload.readableBytes + 10)
        bytes.writeWebSocketFrame(opcode: UInt8(webSocketOpcode: opcode), payload: payload)
        return bytes
    }

    /// Flushes what was written; writes carried to another loop are flushed when they land.
    func flush() {
        if self.isOnSessionLoop {
            self.context?.flush()
        }
    }

    /// Closes the channel, after the writes carried to its loop before.
    func close() {
        if !self.isOnSessionLoop, let flushBatch = self.flushBatch {
            flushBatch.carry(.close(self), to: self.channel.eventLoop)
        } else {
            self.channel.close(promise: nil)
        }
    }

    // MARK: Carried writes (channel's loop)

    /// Writes carried bytes; true when they are the first to wait for this batch's flush.
    func writeOnChannelLoop(_ bytes: ByteBuffer) -> Bool {
        guard let context = self.context else { return false }
        context.write(self.wrapOutboundOut(bytes), promise: nil)
        defer { self.carriedFlushPending = true }
        return !self.carriedFlushPending
    }

    func flushOnChannelLoop() {
        guard self.carriedFlushPending else { return }
        self.carriedFlushPending = false
        self.context?.flush()
    }

    func closeOnChannelLoop() {
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
        self.channelIsWritable = context.channel.isWritable
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
