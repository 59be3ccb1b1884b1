import NIOCore
import NIOHTTP2

/// HTTP/2 without a channel per stream: NIOHTTP2's handler alone on the connection (no
/// multiplexer), and this handler after it, which reads each request's HEADERS frame, forwards
/// its path to a backend connection and writes the response's `FloorResponse` frames with the
/// stream's ID. What serving streams on the connection's own pipeline could cost at least.
final class InlineResponder: ChannelInboundHandler, ResponseSink {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let pool: BackendPool
    private var context: ChannelHandlerContext?

    init(pool: BackendPool) { self.pool = pool }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        guard let path = FloorResponse.requestPath(frame.payload) else { return }
        self.pool.get(path, stream: frame.streamID, sink: self)
    }

    func responseHead(stream: HTTP2StreamID, status: Int, contentLength: Int) {
        self.context?.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: FloorResponse.head(status, contentLength))), promise: nil)
    }

    func responseBody(stream: HTTP2StreamID, _ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: FloorResponse.body(buffer))), promise: nil)
    }

    func responseEnd(stream: HTTP2StreamID) {
        self.context?.writeAndFlush(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: FloorResponse.end)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
