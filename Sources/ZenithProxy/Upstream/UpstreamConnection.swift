import NIOCore
import NIOHTTP1
import ZenithConfig

/// What an upstream connection reports to the exchange that is using it.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponsePart(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamBecameWritable()
    /// The connection closed or failed while this delegate was using it.
    func upstreamClosed(error: Error?)
    /// The response deadline (`responseDeadline`) passed.
    func upstreamTimedOut()
}

/// One keep-alive HTTP/1.1 connection to a backend server, and the last handler of its pipeline.
///
/// Owned by its `UpstreamPool` while idle and leased to one `ProxyExchange` at a time (its
/// `delegate`). Holds back reads while the exchange's client cannot take more bytes.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let serverIndex: Int
    /// The exchange using the connection. Strong, and cleared whenever a lease ends (release,
    /// detach, close, channel closed): a `weak` reference would give every exchange a side table
    /// and slow reference counting (see `LazyDeadline`).
    var delegate: UpstreamConnectionDelegate?
    /// The pool to tell when the connection closes; cleared when it does or is detached.
    var pool: UpstreamPool?
    private(set) var context: ChannelHandlerContext?
    private var readsPaused = false
    private var readPending = false
    private var closeError: Error?
    /// Armed while the connection waits in the pool; closes it when the pool's idle timeout passes.
    private(set) var idleDeadline: LazyDeadline?
    /// Armed by an exchange while it waits for a response head.
    private(set) var responseDeadline: LazyDeadline?

    init(serverIndex: Int) {
        self.serverIndex = serverIndex
    }

    var channel: Channel? { self.context?.channel }
    var isActive: Bool { self.context?.channel.isActive ?? false }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.idleDeadline = LazyDeadline(eventLoop: context.eventLoop) {
            guard self.delegate == nil else { return }
            self.close()
        }
        self.responseDeadline = LazyDeadline(eventLoop: context.eventLoop) {
            self.delegate?.upstreamTimedOut()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.idleDeadline?.cancel()
        self.responseDeadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        if let delegate = self.delegate {
            delegate.upstreamResponsePart(part)
        } else {
            // Bytes from a backend that is not answering anything of ours: the connection is
            // out of step and must not be reused.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.delegate?.upstreamBecameWritable()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.closeError = error
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.idleDeadline?.cancel()
        self.responseDeadline?.cancel()
        if let delegate = self.delegate {
            self.delegate = nil
            delegate.upstreamClosed(error: self.closeError)
        }
        self.pool?.connectionClosed(self)
    }

    func read(context: ChannelHandlerContext) {
        if self.readsPaused {
            self.readPending = true
        } else {
            context.read()
        }
    }

    // MARK: Used by the exchange

    func write(_ part: HTTPClientRequestPart) {
        self.context?.write(self.wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        self.context?.flush()
    }

    func pauseReading() {
        self.readsPaused = true
    }

    func resumeReading() {
        guard self.readsPaused else { return }
        self.readsPaused = false
        if self.readPending, let context = self.context {
            self.readPending = false
            context.read()
        }
    }

    func close() {
        self.delegate = nil
        self.context?.close(promise: nil)
    }
}
