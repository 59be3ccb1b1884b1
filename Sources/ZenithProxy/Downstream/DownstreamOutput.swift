import NIOCore
import NIOHTTP1

/// What a `DownstreamConnectionHandler` writes its responses to and asks of the connection
/// beneath it: an HTTP/1.1 channel's pipeline (`ChannelDownstreamOutput`), or one stream of an
/// HTTP/2 connection whose streams are served on the connection's own pipeline
/// (`HTTP2StreamOutput`). Every call happens on the connection's event loop.
protocol DownstreamOutput {
    /// The client's connection, shared by all the streams of an HTTP/2 connection.
    var channel: Channel { get }
    /// The connection (or stream) is open.
    var isActive: Bool { get }
    /// Completes when the connection (or stream) closes.
    var closeFuture: EventLoopFuture<Void> { get }
    /// Bytes written and not yet taken by the kernel; nil where the output cannot tell.
    var unsentBytes: Int? { get }

    func write(_ part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?)
    func flush()
    /// Asks for more of the request.
    func read()
    /// Ends the connection (an HTTP/2 stream is reset if it is still open).
    func close()
    /// Takes the HTTP handlers out of the channel's pipeline for a protocol switch; throws where
    /// none can happen (an HTTP/2 stream).
    func removeHTTPHandlers() throws
}

/// An HTTP/1.1 connection's output: the pipeline of the handler's own channel, in front of
/// `HTTP1ServerCodec`.
struct ChannelDownstreamOutput: DownstreamOutput {
    let context: ChannelHandlerContext

    var channel: Channel { self.context.channel }
    var isActive: Bool { self.context.channel.isActive }
    var closeFuture: EventLoopFuture<Void> { self.context.channel.closeFuture }
    var unsentBytes: Int? { try? self.context.channel.syncOptions?.getOption(.bufferedWritableBytes) }

    func write(_ part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?) {
        self.context.write(NIOAny(part), promise: promise)
    }

    func flush() {
        self.context.flush()
    }

    func read() {
        self.context.read()
    }

    func close() {
        self.context.close(promise: nil)
    }

    func removeHTTPHandlers() throws {
        let pipeline = self.context.pipeline.syncOperations
        _ = pipeline.removeHandler(context: self.context)
        _ = pipeline.removeHandler(try pipeline.handler(type: HTTP1ServerCodec.self))
    }
}
