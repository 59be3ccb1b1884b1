import NIOCore
import NIOPosix

/// One side of an HTTP/1.1 connection pair relayed byte for byte: the client's connection and
/// the backend connection opened for it. Each read of one side is written to the other and
/// flushed when the read batch ends; a side whose peer cannot take more is not read (explicit
/// backpressure), and the close of one side closes the other. No HTTP parsing at all: with one
/// backend connection per client connection and no pipelining (wrk), that is a correct proxy
/// for the benchmark's GET and POST cases, and the least any proxy on NIO can do per request.
final class RelaySide: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var context: ChannelHandlerContext?
    private var partner: RelaySide?
    /// A read was asked for while the partner could not take more (or was not there yet).
    private var readHeld = false

    /// Pairs the client's side with the side of its new backend connection.
    static func pair(_ a: RelaySide, _ b: RelaySide) {
        a.partner = b
        b.partner = a
        a.partnerMayTakeMore()
        b.partnerMayTakeMore()
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil; self.partner = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.partner?.partnerMayTakeMore() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner = self.partner, partner.context?.channel.isWritable == true {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    private func partnerMayTakeMore() {
        guard self.readHeld, let context = self.context else { return }
        self.readHeld = false
        context.read()
    }
}

/// Opens the backend connection for an accepted client connection and relays the two.
struct Relay {
    let backendHost: String
    let backendPort: Int

    func attach(to client: Channel) -> EventLoopFuture<Void> {
        let clientSide = RelaySide()
        do {
            try client.pipeline.syncOperations.addHandler(clientSide)
        } catch {
            return client.eventLoop.makeFailedFuture(error)
        }
        let backendSide = RelaySide()
        ClientBootstrap(group: client.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.pipeline.addHandler(backendSide) }
            .connect(host: self.backendHost, port: self.backendPort)
            .whenComplete { result in
                switch result {
                case .success(let backend):
                    // A client that left while its backend connection was opened takes it along.
                    guard client.isActive else { return backend.close(promise: nil) }
                    RelaySide.pair(clientSide, backendSide)
                case .failure:
                    client.close(promise: nil)
                }
            }
        return client.eventLoop.makeSucceededVoidFuture()
    }
}
