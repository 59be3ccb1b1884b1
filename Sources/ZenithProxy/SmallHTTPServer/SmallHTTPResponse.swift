import NIOCore
import NIOHTTP1

/// A whole small answer of a `SmallHTTPServer`: status, content type, body and any further
/// headers. The server adds Content-Length (and `Connection: close` when it closes after it),
/// and leaves the body out for a HEAD request.
public struct SmallHTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: ByteBuffer
    /// Written before Content-Type, in this order.
    public var headers: HTTPHeaders

    public init(_ status: HTTPResponseStatus, contentType: String, body: ByteBuffer, headers: HTTPHeaders = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public init(_ status: HTTPResponseStatus, contentType: String, text: String, headers: HTTPHeaders = [:]) {
        self.init(status, contentType: contentType, body: ByteBuffer(string: text), headers: headers)
    }

    /// The head as written: extra headers, Content-Type, Content-Length, then `Connection: close`
    /// unless the connection stays open.
    func head(keepAlive: Bool) -> HTTPResponseHead {
        var headers = self.headers
        headers.add(name: "content-type", value: self.contentType)
        headers.add(name: "content-length", value: String(self.body.readableBytes))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        return HTTPResponseHead(version: .http1_1, status: self.status, headers: headers)
    }
}
