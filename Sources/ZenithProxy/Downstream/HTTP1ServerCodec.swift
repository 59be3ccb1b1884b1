import NIOCore
import NIOHTTP1

/// The HTTP/1.x codec of a client connection, in place of the decoder and encoder NIOHTTP1's
/// `configureHTTPServerPipeline` adds: one handler that reads request parts with
/// `HTTP1RequestDecoder` and writes response parts with `HTTP1ResponseEncoder`, and tells the
/// encoder which requests were HEAD or CONNECT. `DownstreamConnectionHandler` sits after it, and
/// sees the same parts and the same `HTTPParserError`s as behind NIOHTTP1's codec.
///
/// Bytes of a head or chunk-size line that is not complete wait here for the next read; body
/// bytes are passed on as slices of the read buffer. A malformed request is an error fired once,
/// after which nothing more is read; a connection that closes in the middle of a request fires
/// `.invalidEOFState` first, as NIOHTTP1 does. Bytes left when the handler is removed (after an
/// upgrade) are dropped, as NIOHTTP1's codec dropped them.
final class HTTP1ServerCodec: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = IOData

    private var decoder: HTTP1RequestDecoder
    private var encoder = HTTP1ResponseEncoder()
    /// Received bytes not yet decoded.
    private var unread: ByteBuffer?
    private var removed = false

    init(headerBytes: Int) {
        self.decoder = HTTP1RequestDecoder(headerBytes: headerBytes)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.removed = true
        self.unread = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if var unread = self.unread {
            self.unread = nil
            unread.writeBuffer(&buffer)
            buffer = unread
        }
        do {
            // The next handler may answer, close or take this handler out on any part it gets.
            while !self.removed, let part = try self.decoder.next(&buffer) {
                if case .head(let head) = part {
                    self.encoder.requestHeadRead(method: head.method)
                }
                context.fireChannelRead(self.wrapInboundOut(part))
            }
        } catch {
            self.decoder.stop()
            context.fireErrorCaught(error)
            return
        }
        if !self.removed && buffer.readableBytes > 0 {
            self.unread = buffer
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.decoder.isInsideMessage || (self.decoder.awaitsHead && self.unread != nil) {
            self.decoder.stop()
            context.fireErrorCaught(HTTPParserError.invalidEOFState)
        }
        self.decoder.stop()
        self.unread = nil
        context.fireChannelInactive()
    }

    /// Once the decoder has stopped, the socket is not read: bytes sent after an upgrade request,
    /// while its backend has not answered yet, would otherwise pile up in `unread` without bound
    /// (a client that streams them could hold any amount of memory for a response_timeout). A
    /// handover to another protocol reads again once this handler has left the pipeline; any
    /// other stop ends with the connection's close.
    func read(context: ChannelHandlerContext) {
        guard !self.decoder.isStopped else { return }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(let head):
            let bytes = self.encoder.head(head, allocator: context.channel.allocator)
            context.write(self.wrapOutboundOut(.byteBuffer(bytes)), promise: promise)
        case .body(let data):
            guard !self.encoder.suppressesBody else {
                // No byte of it may reach a client that reads the next response after the head.
                promise?.fail(NIOHTTPResponseEncoderError.responseBodyNotAllowed)
                return
            }
            if let prefix = self.encoder.bodyPrefix(length: data.readableBytes, allocator: context.channel.allocator) {
                context.write(self.wrapOutboundOut(.byteBuffer(prefix)), promise: nil)
            }
            context.write(self.wrapOutboundOut(data), promise: promise)
        case .end:
            if let bytes = self.encoder.end(allocator: context.channel.allocator) {
                context.write(self.wrapOutboundOut(.byteBuffer(bytes)), promise: promise)
            } else if let promise {
                // Completed in order with the writes before it.
                context.write(self.wrapOutboundOut(.byteBuffer(context.channel.allocator.buffer(capacity: 0))), promise: promise)
            }
        }
    }
}
