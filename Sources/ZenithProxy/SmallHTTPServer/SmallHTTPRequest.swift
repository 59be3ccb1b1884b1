import NIOCore
import NIOHTTP1

/// One complete request on a `SmallHTTPServer`: its head and its whole (bounded) body.
public struct SmallHTTPRequest: Sendable {
    public var head: HTTPRequestHead
    /// Empty when the request has none.
    public var body: ByteBuffer
    public var remoteAddress: SocketAddress?
    /// The connection's loop, for the futures an answer is made of.
    public var eventLoop: EventLoop

    public init(head: HTTPRequestHead, body: ByteBuffer, remoteAddress: SocketAddress?, eventLoop: EventLoop) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
        self.eventLoop = eventLoop
    }

    /// The target without its query.
    public var path: Substring { self.head.uri.prefix { $0 != "?" } }
}
