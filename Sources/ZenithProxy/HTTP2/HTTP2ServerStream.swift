import NIOCore
import NIOHTTP2

/// One request-response stream of an HTTP/2 connection served by `HTTP2StreamsHandler`: the
/// `DownstreamConnectionHandler` that answers it, its flow control, and how far each side got.
/// Confined to the connection's event loop.
final class HTTP2ServerStream {
    let id: HTTP2StreamID
    /// Answers the stream's request; dropped when the stream closes, which breaks the cycle
    /// through the handler's output.
    private(set) var handler: DownstreamConnectionHandler?
    var flow: HTTP2StreamFlowControl
    /// The writability the handler was last told of.
    var reportedWritable: Bool
    /// The client ended its side (END_STREAM received).
    var requestEnded = false
    /// The response's end was written.
    var responseEnded = false
    /// The stream was given request parts since the connection's last read completed.
    var readInBatch = false
    /// The last final head or body part written, not yet given to NIOHTTP2 (and its promise).
    private var held: (payload: HTTP2Frame.FramePayload, promise: EventLoopPromise<Void>?)?
    private(set) var isClosed = false
    /// Made when a responder asks when the stream closes (a realtime long poll does).
    private var closePromise: EventLoopPromise<Void>?

    init(id: HTTP2StreamID, handler: DownstreamConnectionHandler, initialWindow: Int, isWritable: Bool) {
        self.id = id
        self.handler = handler
        self.flow = HTTP2StreamFlowControl(initialWindow: initialWindow)
        self.reportedWritable = isWritable
    }

    /// Holds a frame until the next part or a flush.
    func hold(_ payload: HTTP2Frame.FramePayload, promise: EventLoopPromise<Void>?) {
        precondition(self.held == nil, "a frame is already held")
        self.held = (payload, promise)
    }

    /// The held frame, given up.
    @discardableResult
    func takeHeld() -> (payload: HTTP2Frame.FramePayload, promise: EventLoopPromise<Void>?)? {
        defer { self.held = nil }
        return self.held
    }

    /// Completes when the stream closes.
    func closeFuture(on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        if self.isClosed {
            return eventLoop.makeSucceededVoidFuture()
        }
        if let closePromise = self.closePromise {
            return closePromise.futureResult
        }
        let promise = eventLoop.makePromise(of: Void.self)
        self.closePromise = promise
        return promise.futureResult
    }

    /// The stream closed (both sides ended, or either reset it, or the connection went).
    func closed() {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.takeHeld()?.promise?.fail(ChannelError.ioOnClosedChannel)
        let handler = self.handler
        self.handler = nil
        handler?.streamClosed()
        self.closePromise?.succeed()
        self.closePromise = nil
    }
}

extension HTTP2Frame.FramePayload {
    /// The same HEADERS or DATA frame, ending its stream.
    var endingStream: HTTP2Frame.FramePayload {
        switch self {
        case .headers(var headers):
            headers.endStream = true
            return .headers(headers)
        case .data(var data):
            data.endStream = true
            return .data(data)
        default:
            preconditionFailure("only HEADERS and DATA end a stream")
        }
    }
}

extension EventLoopPromise where Value: Sendable {
    /// A promise for a write that also completes `other`, if there is one.
    func cascading(_ other: EventLoopPromise<Value>?) -> EventLoopPromise<Value> {
        if let other {
            self.futureResult.cascade(to: other)
        }
        return self
    }
}
