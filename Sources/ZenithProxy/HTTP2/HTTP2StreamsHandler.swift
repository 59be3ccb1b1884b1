import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// Serves the streams of an HTTP/2 client connection on the connection's own pipeline, behind
/// `NIOHTTP2Handler` without its multiplexer: each stream is a `DownstreamConnectionHandler`
/// driven from here (`HTTP2ServerStream`), writing through an `HTTP2StreamOutput`. A stream then
/// costs two objects instead of a child channel with its pipeline and codec, which cost more CPU
/// per request than all of NIOHTTP2's framing and HPACK (docs/benchmarks.md, "The NIO floor").
///
/// What NIOHTTP2's multiplexer did, this handler does:
/// - request heads and trailers from HPACK blocks (`HTTPRequestHead(http2Block:)`), response
///   parts to HEADERS and DATA frames;
/// - flow control (`HTTP2StreamFlowControl`): a stream is writable while NIOHTTP2 holds little of
///   what it was written for want of window (NIOHTTP2 reports what it sends, as the handler's
///   frame delegate), and a client gets window back for its request body as the body is taken;
///   the connection's window is kept up (`HTTP2ConnectionWindow`);
/// - stream opening and closing reported to the idle timer and the GOAWAY handler; an error of
///   one stream (a request NIOHTTP2 refused) resets that stream and does not end the connection.
///
/// A connection must open its first stream within `[limits] header_timeout`, as an HTTP/1.1
/// client must send its first head: one that sends a HEADERS frame and never ends its header
/// block (or sends nothing after the preface) would otherwise be held until the idle timeout.
final class HTTP2StreamsHandler: ChannelDuplexHandler, NIOHTTP2FrameDelegate {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let loop: LoopContext
    private let peer: DownstreamPeer
    /// The stream window each client stream starts with (the SETTINGS Zenith sends).
    private let initialStreamWindow: Int
    /// Told of each stream NIOHTTP2 opens and closes: the idle timer, and the GOAWAY handler
    /// after this one (which would trip over a close without an open, as NIOHTTP2 reports for
    /// a stream refused in its first HEADERS, were it to see NIOHTTP2's events itself).
    private let streamDelegate: HTTP2IdleConnectionTimer.StreamDelegate
    /// The streams NIOHTTP2 reported open and not yet closed.
    private var openStreamIDs: Set<HTTP2StreamID> = []
    private let connectionWindow: HTTP2ConnectionWindow
    private var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: HTTP2ServerStream] = [:]
    /// Streams given request parts since the last read completed, told when it does.
    private var streamsRead: [HTTP2ServerStream] = []
    private var firstStreamDeadline: Scheduled<Void>?
    /// Set while this handler writes a RST_STREAM of its own.
    private var writingOwnReset = false
    /// A stream NIOHTTP2 just reset itself, refusing its request: the error it passes on next is
    /// that stream's, not the connection's. Cleared when the read that caused it completes.
    private var streamRefusedByNIOHTTP2: HTTP2StreamID?
    /// The body of a DATA frame that only ends a stream.
    private let emptyBody = ByteBuffer()

    init(
        loop: LoopContext, peer: DownstreamPeer, initialStreamWindow: Int, connectionWindow: Int,
        streamDelegate: HTTP2IdleConnectionTimer.StreamDelegate
    ) {
        self.loop = loop
        self.peer = peer
        self.initialStreamWindow = initialStreamWindow
        self.connectionWindow = HTTP2ConnectionWindow(target: connectionWindow)
        self.streamDelegate = streamDelegate
    }

    /// The client's connection: set when the handler is added, and kept (a channel outlives
    /// its handlers).
    private(set) var channel: Channel!
    var eventLoop: EventLoop { self.loop.eventLoop }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.channel = context.channel
        self.firstStreamDeadline = context.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(self.loop.configuration.limits.headerTimeout)
        ) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.closeAllStreams()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closeAllStreams()
        context.fireChannelInactive()
    }

    private func closeAllStreams() {
        self.firstStreamDeadline?.cancel()
        self.firstStreamDeadline = nil
        let streams = self.streams.values
        self.streams = [:]
        for stream in streams {
            stream.closed()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            if let stream = self.streams[frame.streamID] {
                stream.requestEnded = true
                self.deliver(.end(HTTPHeaders(http2Trailers: headers.headers)), to: stream)
            } else {
                self.open(frame.streamID, headers: headers, context: context)
            }
        case .data(let data):
            guard let stream = self.streams[frame.streamID] else { return }
            // Padding counts against the window too: the length octet and the padding itself.
            stream.flow.received(data.data.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0))
            if case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0 {
                self.deliver(.body(buffer), to: stream)
            }
            if data.endStream {
                stream.requestEnded = true
                self.deliver(.end(nil), to: stream)
            } else {
                stream.handler?.readRequested()
            }
        default:
            // SETTINGS, PING, GOAWAY, WINDOW_UPDATE, RST_STREAM and PRIORITY are NIOHTTP2's (a
            // reset stream's close comes as a `StreamClosedEvent`); the GOAWAY handler after
            // this one waits for the PING answering its first GOAWAY before it sends the last.
            context.fireChannelRead(data)
        }
    }

    private func open(_ id: HTTP2StreamID, headers: HTTP2Frame.FramePayload.Headers, context: ChannelHandlerContext) {
        if let deadline = self.firstStreamDeadline {
            deadline.cancel()
            self.firstStreamDeadline = nil
        }
        let head: HTTPRequestHead
        do {
            head = try HTTPRequestHead(http2Block: headers.headers, endStream: headers.endStream)
        } catch {
            self.loop.logger.info(
                "rejected HTTP/2 request", metadata: ["client": "\(self.peer.ip)", "error": "\(error)"]
            )
            self.writeReset(id, code: .protocolError, context: context)
            return
        }
        let handler = DownstreamConnectionHandler(loop: self.loop, transport: .http2, peer: self.peer)
        let isWritable = context.channel.isWritable
        let stream = HTTP2ServerStream(
            id: id, handler: handler, initialWindow: self.initialStreamWindow, isWritable: isWritable
        )
        self.streams[id] = stream
        handler.attach(HTTP2StreamOutput(connection: self, stream: stream), isWritable: isWritable)
        self.deliver(.head(head), to: stream)
        if headers.endStream {
            stream.requestEnded = true
            self.deliver(.end(nil), to: stream)
        }
    }

    private func deliver(_ part: HTTPServerRequestPart, to stream: HTTP2ServerStream) {
        guard let handler = stream.handler else { return }
        if !stream.readInBatch {
            stream.readInBatch = true
            self.streamsRead.append(stream)
        }
        handler.partReceived(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.streamRefusedByNIOHTTP2 = nil
        if !self.streamsRead.isEmpty {
            let streams = self.streamsRead
            self.streamsRead.removeAll(keepingCapacity: true)
            for stream in streams {
                stream.readInBatch = false
                stream.handler?.readComplete()
            }
        }
        context.fireChannelReadComplete()
    }

    /// NIOHTTP2's stream and window events are this handler's: the handlers after it get the
    /// others (a drain's `ChannelShouldQuiesceEvent`).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? NIOHTTP2WindowUpdatedEvent {
            if event.streamID == .rootStream, let window = event.inboundWindowSize,
                let increment = self.connectionWindow.increment(forWindow: window)
            {
                context.writeAndFlush(
                    self.wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))),
                    promise: nil
                )
            }
            return
        } else if let event = event as? NIOHTTP2StreamCreatedEvent {
            self.openStreamIDs.insert(event.streamID)
            self.streamDelegate.streamCreated(event.streamID, channel: context.channel)
            return
        } else if let event = event as? StreamClosedEvent {
            if self.openStreamIDs.remove(event.streamID) != nil {
                self.streamDelegate.streamClosed(event.streamID, channel: context.channel)
            }
            self.streams.removeValue(forKey: event.streamID)?.closed()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        for stream in Array(self.streams.values) {
            self.updateWritability(of: stream)
        }
        context.fireChannelWritabilityChanged()
    }

    /// An error of one stream ends that stream only (RFC 9113 §5.4.2): a request NIOHTTP2
    /// refused (a malformed header block, DATA that disagrees with content-length), which it
    /// reset before passing the error on, or a frame it would not send on a stream that closed
    /// meanwhile (a `StreamError`). Anything else ends the connection (the handler after this
    /// one closes it, after NIOHTTP2's GOAWAY).
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let stream = self.streamRefusedByNIOHTTP2 {
            self.streamRefusedByNIOHTTP2 = nil
            self.loop.logger.info(
                "refused HTTP/2 request", metadata: ["client": "\(self.peer.ip)", "stream": "\(stream)", "error": "\(error)"]
            )
            return
        }
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            self.loop.logger.info(
                "reset HTTP/2 stream",
                metadata: ["client": "\(self.peer.ip)", "stream": "\(streamError.streamID)", "error": "\(streamError.baseError)"]
            )
            return
        }
        context.fireErrorCaught(error)
    }

    // MARK: Frame delegate

    /// NIOHTTP2 sent a frame: DATA it held for want of window may make its stream writable; a
    /// RST_STREAM this handler did not write is NIOHTTP2 refusing that stream's request (its
    /// error follows), and a GOAWAY ends any such reading.
    func wroteFrame(_ frame: HTTP2Frame) {
        switch frame.payload {
        case .data(let data):
            guard let stream = self.streams[frame.streamID] else { return }
            stream.flow.sent(data.data.readableBytes)
            if !stream.reportedWritable {
                self.updateWritability(of: stream)
            }
        case .rstStream:
            if !self.writingOwnReset {
                self.streamRefusedByNIOHTTP2 = frame.streamID
            }
        case .goAway:
            self.streamRefusedByNIOHTTP2 = nil
        default:
            break
        }
    }

    // MARK: Stream output

    /// Writes a response part as a frame. The last final head or body part is held until the
    /// next part or a flush (`HTTP2ServerStream.held`), so that the response's end rides on it as
    /// END_STREAM rather than in an empty DATA frame of its own.
    func write(_ part: HTTPServerResponsePart, on stream: HTTP2ServerStream, promise: EventLoopPromise<Void>?) {
        guard let context = self.context, !stream.isClosed, !stream.responseEnded else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch part {
        case .head(let head):
            self.writeHeld(of: stream, context: context)
            let headers = HTTP2Frame.FramePayload.headers(.init(headers: HPACKHeaders(http2Response: head)))
            if head.status.code < 200 {
                // An informational head cannot carry the end.
                context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: headers)), promise: promise)
            } else {
                stream.hold(headers, promise: promise)
            }
        case .body(let body):
            self.writeHeld(of: stream, context: context)
            stream.hold(.data(.init(data: body)), promise: promise)
        case .end(let trailers):
            stream.responseEnded = true
            if let trailers {
                self.writeHeld(of: stream, context: context)
                let payload = HTTP2Frame.FramePayload.headers(.init(headers: HPACKHeaders(httpHeaders: trailers), endStream: true))
                context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: payload)), promise: promise)
            } else if let (held, heldPromise) = stream.takeHeld() {
                self.write(held.endingStream, on: stream, promise: heldPromise.map { $0.cascading(promise) } ?? promise, context: context)
            } else {
                self.write(.data(.init(data: .byteBuffer(self.emptyBody), endStream: true)), on: stream, promise: promise, context: context)
            }
        }
    }

    /// Writes what the stream holds, then flushes the connection.
    func flush(_ stream: HTTP2ServerStream) {
        guard let context = self.context else { return }
        self.writeHeld(of: stream, context: context)
        context.flush()
    }

    private func writeHeld(of stream: HTTP2ServerStream, context: ChannelHandlerContext) {
        if let (held, promise) = stream.takeHeld() {
            self.write(held, on: stream, promise: promise, context: context)
        }
    }

    /// Hands a frame of the stream to NIOHTTP2, counting its DATA against the stream's writability.
    private func write(
        _ payload: HTTP2Frame.FramePayload, on stream: HTTP2ServerStream, promise: EventLoopPromise<Void>?,
        context: ChannelHandlerContext
    ) {
        guard case .data(let data) = payload else {
            context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: payload)), promise: promise)
            return
        }
        stream.flow.wrote(data.data.readableBytes)
        context.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: payload)), promise: promise)
        self.updateWritability(of: stream)
    }

    /// The stream's reader takes more of its request: the client gets back the window it used.
    func giveWindow(to stream: HTTP2ServerStream) {
        guard let context = self.context, !stream.isClosed, !stream.requestEnded,
            let increment = stream.flow.windowIncrement()
        else { return }
        context.writeAndFlush(
            self.wrapOutboundOut(HTTP2Frame(streamID: stream.id, payload: .windowUpdate(windowSizeIncrement: increment))),
            promise: nil
        )
    }

    /// Resets a stream that is still open: NO_ERROR once its response was sent whole (the rest of
    /// its request is not wanted, RFC 9113 §8.1), CANCEL otherwise.
    func reset(_ stream: HTTP2ServerStream) {
        guard let context = self.context, !stream.isClosed else { return }
        stream.takeHeld()?.promise?.fail(ChannelError.ioOnClosedChannel)
        self.writeReset(stream.id, code: stream.responseEnded ? .noError : .cancel, context: context)
        // NIOHTTP2 reports the close as it sends the reset; should it not have (the stream was
        // already closing), it is closed here all the same.
        if let stream = self.streams.removeValue(forKey: stream.id) {
            stream.closed()
        }
    }

    private func writeReset(_ id: HTTP2StreamID, code: HTTP2ErrorCode, context: ChannelHandlerContext) {
        self.writingOwnReset = true
        context.writeAndFlush(self.wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(code))), promise: nil)
        self.writingOwnReset = false
    }

    private func updateWritability(of stream: HTTP2ServerStream) {
        let isWritable = stream.flow.isWritable && (self.context?.channel.isWritable ?? false)
        guard isWritable != stream.reportedWritable, !stream.isClosed else { return }
        stream.reportedWritable = isWritable
        stream.handler?.writabilityChanged(isWritable)
    }
}
