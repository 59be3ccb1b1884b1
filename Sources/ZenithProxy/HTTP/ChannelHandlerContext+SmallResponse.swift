import NIOCore
import NIOHTTP1

extension ChannelHandlerContext {
    /// Writes a whole small response (head with Content-Type and Content-Length, body, end) from a
    /// handler that outputs `HTTPServerResponsePart`, and closes the connection after it unless
    /// `keepAlive`. For Zenith's own side listeners (publish, metrics, demo backend).
    public func writeSmallResponse(
        _ status: HTTPResponseStatus, contentType: String, body: ByteBuffer, extraHeaders: [(String, String)] = [],
        keepAlive: Bool = true, omitBody: Bool = false
    ) {
        var headers = HTTPHeaders(extraHeaders)
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.readableBytes))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        self.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !omitBody {
            self.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        }
        let written = self.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let context = self
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
