import NIOCore
import NIOHTTP2

/// HTTP/2 without a channel per stream: NIOHTTP2's handler alone on the connection (no
/// multiplexer), and this handler after it, which reads each request's HEADERS frame, forwards
/// its path to a backend connection and writes the response's frames with the stream's ID. What
/// serving streams on the connection's own pipeline could cost at least.
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
        guard case .headers(let request) = frame.payload, let path = request.headers.first(name: ":path") else { return }
        let stream = frame.streamID
        self.pool.lease { connection in connection.get(path, stream: stream, sink: self) }
    }

    func responseHead(stream: HTTP2StreamID, status: Int, contentLength: Int) {
        let headers = HTTP2Frame(streamID: stream, payload: .headers(.init(headers: responseHeaders(status, contentLength))))
        self.context?.write(self.wrapOutboundOut(headers), promise: nil)
    }

    func responseBody(stream: HTTP2StreamID, _ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(buffer))))), promise: nil)
    }

    func responseEnd(stream: HTTP2StreamID) {
        guard let context = self.context else { return }
        let end = HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)))
        context.writeAndFlush(self.wrapOutboundOut(end), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
