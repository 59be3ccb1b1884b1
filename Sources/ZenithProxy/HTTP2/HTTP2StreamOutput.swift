import NIOCore
import NIOHTTP1

/// A `DownstreamConnectionHandler`'s output on one stream of an HTTP/2 connection: response parts
/// become frames on the connection's pipeline (`HTTP2StreamsHandler`), reading more means giving
/// the client window, and closing resets the stream.
struct HTTP2StreamOutput: DownstreamOutput {
    let connection: HTTP2StreamsHandler
    let stream: HTTP2ServerStream

    var channel: Channel { self.connection.channel }
    var isActive: Bool { !self.stream.isClosed }
    var closeFuture: EventLoopFuture<Void> { self.stream.closeFuture(on: self.connection.eventLoop) }
    /// NIOHTTP2 does not say what of a stream's bytes the socket still holds.
    var unsentBytes: Int? { nil }

    func write(_ part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?) {
        self.connection.write(part, on: self.stream, promise: promise)
    }

    func flush() {
        self.connection.flush(self.stream)
    }

    func read() {
        self.connection.giveWindow(to: self.stream)
    }

    func close() {
        self.connection.reset(self.stream)
    }

    func removeHTTPHandlers() throws {
        throw ChannelError.operationUnsupported
    }
}
