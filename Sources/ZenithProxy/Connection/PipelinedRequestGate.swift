import NIOCore
import NIOHTTP1

/// Lets one request at a time through to `ClientConnectionHandler`: a request that arrives while
/// the previous response is still being written (HTTP/1.1 pipelining) waits here, and reading from
/// the client stops only then, until that response has ended.
///
/// It replaces NIO's `HTTPServerPipelineHandler`, which stops reading at the end of every request
/// and starts again after its response: two `epoll_ctl` calls per request on a keep-alive
/// connection, a third of the proxy's system calls for small requests (measured with strace:
/// read, epoll_ctl, write, read, epoll_ctl, writev). Clients that do not pipeline (browsers)
/// never meet the gate closed. Reading stops as soon as a request waits, and at most
/// `maxWaitingParts` parts may wait (one read can bring many).
final class PipelinedRequestGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Request parts (heads, body pieces, ends) that may wait at once; beyond, the connection closes.
    static let maxWaitingParts = 256

    /// A request was let through and its response has not ended yet.
    private var responseOpen = false
    /// Parts of requests that came while a response was open, in order.
    private var waiting = CircularBuffer<HTTPServerRequestPart>()
    private var readPending = false
    private var releaseScheduled = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        if self.waiting.isEmpty, !(self.responseOpen && part.isHead) {
            self.pass(part, context: context)
        } else if self.waiting.count < Self.maxWaitingParts {
            self.waiting.append(part)
        } else {
            // One read can hold hundreds of tiny pipelined requests; more than this waiting at
            // once is not a browser, and would otherwise all be held in memory.
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.waiting.isEmpty {
            context.read()
        } else {
            self.readPending = true
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = self.unwrapOutboundIn(data)
        context.write(data, promise: promise)
        guard case .end = part else { return }
        self.responseOpen = false
        if !self.waiting.isEmpty && !self.releaseScheduled {
            // Out of the writer's call stack: the handler behind is still finishing that response.
            self.releaseScheduled = true
            context.eventLoop.assumeIsolated().execute { self.releaseWaiting(context: context) }
        }
    }

    /// Lets the waiting parts through up to the next request that must wait, then reads again
    /// when nothing waits any more.
    private func releaseWaiting(context: ChannelHandlerContext) {
        self.releaseScheduled = false
        guard context.channel.isActive else { return }
        while let part = self.waiting.first, !(self.responseOpen && part.isHead) {
            self.waiting.removeFirst()
            self.pass(part, context: context)
        }
        context.fireChannelReadComplete()
        if self.waiting.isEmpty && self.readPending {
            self.readPending = false
            context.read()
        }
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if part.isHead {
            self.responseOpen = true
        }
        context.fireChannelRead(self.wrapInboundOut(part))
    }
}

extension HTTPServerRequestPart {
    fileprivate var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
