import NIOCore

/// Sits right above `NIOSSLHandler` on a TLS client connection and hands it fewer, larger writes.
///
/// NIOSSL encrypts every write it is given as a TLS record of its own, so a small response took
/// several records (HTTP/2: the HEADERS frame, the DATA frame's header and its payload, the
/// END_STREAM frame; HTTP/1.1: the head and the body), each with its own cipher call, header and
/// tag. Here the small writes made before a flush are gathered into one buffer, up to a record's
/// payload; large ones pass as they are, behind what was gathered.
///
/// On an HTTP/2 connection (`defersFlushes`) a flush also waits until the event loop has handled
/// every socket that was ready in this turn: the answers of the streams whose backends replied
/// together then leave in one record and one `write` instead of one each. Measured with h2load
/// (32 connections, 10 streams each, 100-byte answers): 1.1 instead of 2.0 `write`s per request,
/// and about a quarter less CPU time per request together with the per-stream timers that
/// `DownstreamConnectionHandler` and `HTTP2IdleConnectionTimer` no longer schedule.
final class TLSWriteCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// TLS's largest record payload (RFC 8446 §5.1): more than this would be split anyway.
    static let recordPayloadBytes = 16384
    /// Writes this large are passed on without copying.
    static let largeWriteBytes = 4096

    /// Flushes wait for the end of the event loop's turn (set once ALPN chose HTTP/2).
    var defersFlushes = false
    /// What was written since the last write passed on; a caller's buffer while it is the only one
    /// (no copy), this handler's own buffer once a second was gathered into it.
    private var pending: ByteBuffer?
    private var pendingIsGathered = false
    private var pendingPromise: EventLoopPromise<Void>?
    private var flushScheduled = false
    /// The deferred flush, made once per connection (not a closure per flush); holds this handler
    /// until `handlerRemoved` drops it.
    private var deferredFlush: (() -> Void)?

    func handlerAdded(context: ChannelHandlerContext) {
        self.deferredFlush = {
            self.flushScheduled = false
            self.passPending(context: context)
            context.flush()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deferredFlush = nil
        self.pending = nil
        let promise = self.pendingPromise
        self.pendingPromise = nil
        promise?.fail(ChannelError.ioOnClosedChannel)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(let buffer) = self.unwrapOutboundIn(data),
            buffer.readableBytes < Self.largeWriteBytes
        else {
            self.passPending(context: context)
            context.write(data, promise: promise)
            return
        }
        self.gather(buffer, promise: promise, context: context)
    }

    func flush(context: ChannelHandlerContext) {
        guard self.defersFlushes, let deferredFlush = self.deferredFlush else {
            self.passPending(context: context)
            context.flush()
            return
        }
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        context.eventLoop.assumeIsolated().execute(deferredFlush)
    }

    /// What waits leaves before the close (TLS's close_notify must follow the data).
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if self.pending != nil {
            self.passPending(context: context)
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }

    private func gather(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard var gathered = self.pending else {
            self.pending = buffer
            self.pendingIsGathered = false
            self.pendingPromise = promise
            return
        }
        if gathered.readableBytes + buffer.readableBytes > Self.recordPayloadBytes {
            self.passPending(context: context)
            self.pending = buffer
            self.pendingPromise = promise
            return
        }
        self.pending = nil  // so that `gathered` is the storage's only reference: no copy on write
        if !self.pendingIsGathered {
            var own = context.channel.allocator.buffer(capacity: Self.largeWriteBytes)
            own.writeImmutableBuffer(gathered)
            gathered = own
            self.pendingIsGathered = true
        }
        gathered.writeImmutableBuffer(buffer)
        self.pending = gathered
        if let promise {
            if let pendingPromise = self.pendingPromise {
                pendingPromise.futureResult.cascade(to: promise)
            } else {
                self.pendingPromise = promise
            }
        }
    }

    private func passPending(context: ChannelHandlerContext) {
        guard let pending = self.pending else { return }
        let promise = self.pendingPromise
        self.pending = nil
        self.pendingPromise = nil
        self.pendingIsGathered = false
        context.write(self.wrapOutboundOut(.byteBuffer(pending)), promise: promise)
    }
}
