import NIOCore
import NIOHPACK
import NIOHTTP2

/// HTTP/2 as Zenith serves it today: NIOHTTP2's multiplexer gives each stream a child channel,
/// whose pipeline holds only this handler (no HTTP/2-to-HTTP/1 codec, no routing): it forwards
/// the request's path to a backend connection and answers the response's status,
/// Content-Length and body as HEADERS and DATA frames.
final class StreamResponder: ChannelInboundHandler, ResponseSink {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let pool: BackendPool
    private var context: ChannelHandlerContext?

    init(pool: BackendPool) { self.pool = pool }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .headers(let request) = self.unwrapInboundIn(data), let path = request.headers.first(name: ":path") else { return }
        self.pool.lease { connection in connection.get(path, stream: .rootStream, sink: self) }
    }

    func responseHead(stream: HTTP2StreamID, status: Int, contentLength: Int) {
        self.context?.write(self.wrapOutboundOut(.headers(.init(headers: responseHeaders(status, contentLength)))), promise: nil)
    }

    func responseBody(stream: HTTP2StreamID, _ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(.data(.init(data: .byteBuffer(buffer)))), promise: nil)
    }

    func responseEnd(stream: HTTP2StreamID) {
        guard let context = self.context else { return }
        let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))
        context.writeAndFlush(self.wrapOutboundOut(end), promise: nil)
    }
}

/// The response head the floor sends: status and Content-Length only.
func responseHeaders(_ status: Int, _ contentLength: Int) -> HPACKHeaders {
    var headers = HPACKHeaders()
    headers.add(name: ":status", value: String(status))
    headers.add(name: "content-length", value: String(contentLength))
    return headers
}
