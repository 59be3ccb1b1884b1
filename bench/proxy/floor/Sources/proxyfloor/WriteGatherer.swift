import NIOCore

/// Sits between NIOSSL and the HTTP handlers: gathers the writes made before a flush into one
/// buffer, so that they leave as one TLS record, and holds the flush to the end of the event
/// loop's turn, so that the responses of streams answered in the same turn leave together (what
/// Zenith's `TLSWriteCoalescer` does on HTTP/2; without it the floor would not be one).
final class WriteGatherer: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var gathered: ByteBuffer?
    private var promises: [EventLoopPromise<Void>] = []
    private var flushScheduled = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var buffer) = self.unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        if self.gathered == nil {
            self.gathered = buffer
        } else {
            self.gathered!.writeBuffer(&buffer)
        }
        if let promise { self.promises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.flushNow(context: context)
        }
    }

    private func flushNow(context: ChannelHandlerContext) {
        guard let buffer = self.gathered else { return }
        self.gathered = nil
        let promises = self.promises
        self.promises.removeAll(keepingCapacity: true)
        if promises.isEmpty {
            context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        } else {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in promises.forEach { $0.completeWith(result) } }
            context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(buffer)), promise: written)
        }
    }
}
