import NIOCore
import NIOHTTP1

/// The connection a request arrived on, as its `RequestResponder` sees it: the one seam between a
/// client connection and whatever answers a request (proxy exchange, static files, `respond`,
/// `redirect`, realtime). Responders write through it and never reach into the connection's
/// handler, so the responders' folders depend on this file and not on `Downstream/`.
///
/// `DownstreamConnectionHandler` conforms; every call happens on the connection's event loop.
protocol ResponderContext: AnyObject {
    /// What the connections of this event loop share: configuration, pools, metrics, log.
    var loop: LoopContext { get }
    var eventLoop: EventLoop { get }
    var allocator: ByteBufferAllocator { get }
    /// The request being answered (method, Accept for error pages).
    var summary: RequestSummary? { get }
    /// The client's socket address, as accepted.
    var clientAddress: SocketAddress? { get }
    /// The client as the forwarding headers describe it (IP and scheme).
    var peer: DownstreamPeer { get }
    /// The request's end has been received.
    var requestComplete: Bool { get }
    /// The client takes more bytes now; when false, wait for `clientBecameWritable`.
    var isWritable: Bool { get }
    /// Completes when the client's connection closes.
    var closeFuture: EventLoopFuture<Void> { get }
    /// A file region can be written as it is (sendfile): a plain HTTP/1.1 connection. TLS must
    /// encrypt the bytes, and HTTP/2 frame them, so those take buffers.
    var sendsFileRegions: Bool { get }

    /// Writes the response head (the connection adds `Connection: close` when it will not be kept).
    func sendHead(_ head: HTTPResponseHead)
    /// Writes a part of the response body; `promise` completes when it is written.
    func sendBody(_ data: IOData, promise: EventLoopPromise<Void>?)
    func flush()
    /// Ends the response: the connection then waits for the next request or closes.
    func finishResponse(trailers: HTTPHeaders?)
    /// Ends the request with an error page (or a bare close once a response began) and closes.
    func failRequest(status: HTTPResponseStatus)
    /// Stops reading the request (its body's next reader is not taking bytes).
    func pauseReading()
    func resumeReading()
    /// How long the upstream took to answer, for the access log.
    func recordUpstreamTime(_ time: TimeAmount)
    /// After a 101 has been written, gives the connection to another protocol: the HTTP handlers
    /// leave its pipeline (the access line is written), `install` adds the new protocol's
    /// handlers to its channel, and reading starts again (a read held back by an HTTP handler
    /// left with it). When that fails the connection is closed and the error rethrown.
    func handOver(to install: (Channel) throws -> Void) throws
}

extension ResponderContext {
    func sendBody(_ data: IOData) {
        self.sendBody(data, promise: nil)
    }

    func finishResponse() {
        self.finishResponse(trailers: nil)
    }
}
