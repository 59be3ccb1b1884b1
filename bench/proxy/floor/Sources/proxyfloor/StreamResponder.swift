import NIOCore
import NIOHPACK
import NIOHTTP2

/// HTTP/2 as Zenith serves it today: NIOHTTP2's multiplexer gives each stream a child channel,
/// whose pipeline holds only this handler (no HTTP/2-to-HTTP/1 codec, no routing): it forwards
/// the request's path to a backend connection and answers the response as `FloorResponse` frames.
final class StreamResponder: ChannelInboundHandler, ResponseSink {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let pool: BackendPool
    private var context: ChannelHandlerContext?

    init(pool: BackendPool) { self.pool = pool }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let path = FloorResponse.requestPath(self.unwrapInboundIn(data)) else { return }
        self.pool.get(path, stream: .rootStream, sink: self)
    }

    func responseHead(stream: HTTP2StreamID, status: Int, contentLength: Int) {
        self.context?.write(self.wrapOutboundOut(FloorResponse.head(status, contentLength)), promise: nil)
    }

    func responseBody(stream: HTTP2StreamID, _ buffer: ByteBuffer) {
        self.context?.write(self.wrapOutboundOut(FloorResponse.body(buffer)), promise: nil)
    }

    func responseEnd(stream: HTTP2StreamID) {
        self.context?.writeAndFlush(self.wrapOutboundOut(FloorResponse.end), promise: nil)
    }
}

/// The frames of a request and a response as the floor reads and writes them, whether a child
/// channel or the connection carries them: the request's path, and a response of `:status`,
/// `content-length`, the body, and an empty DATA frame that ends the stream.
enum FloorResponse {
    private static let empty = ByteBuffer()

    static func requestPath(_ payload: HTTP2Frame.FramePayload) -> String? {
        guard case .headers(let request) = payload else { return nil }
        return request.headers.first(name: ":path")
    }

    static func head(_ status: Int, _ contentLength: Int) -> HTTP2Frame.FramePayload {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: String(status))
        headers.add(name: "content-length", value: String(contentLength))
        return .headers(.init(headers: headers))
    }

    static func body(_ buffer: ByteBuffer) -> HTTP2Frame.FramePayload {
        .data(.init(data: .byteBuffer(buffer)))
    }

    static let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(empty), endStream: true))
}
