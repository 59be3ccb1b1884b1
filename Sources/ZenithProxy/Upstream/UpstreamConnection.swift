import Logging
import NIOCore
import NIOHTTP1
import ZenithConfig

/// What an upstream connection reports to the exchange that is using it.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponsePart(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamBecameWritable()
    /// The connection closed or failed while this delegate was using it; `error` is an
    /// `UpstreamResponseDecoder.Failure` when the backend's answer was malformed.
    func upstreamClosed(error: Error?)
    /// The response deadline (`responseDeadline`) passed.
    func upstreamTimedOut()
}

/// One keep-alive HTTP/1.1 connection to a backend server, and the only handler of its pipeline:
/// it writes requests (`UpstreamRequestEncoder`) and reads responses (`UpstreamResponseDecoder`)
/// itself, so a response part reaches the exchange without a trip through other handlers.
///
/// Owned by its `UpstreamPool` while idle and leased to one `ProxyExchange` at a time (its
/// `delegate`). Holds back reads while the exchange's client cannot take more bytes.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let serverIndex: Int
    /// The exchange using the connection. Strong, and cleared whenever a lease ends (release,
    /// detach, close, channel closed): a `weak` reference would give every exchange a side table
    /// and slow reference counting (see `LazyDeadline`).
    var delegate: UpstreamConnectionDelegate?
    /// The pool to tell when the connection closes; cleared when it does or is detached.
    var pool: UpstreamPool?
    /// Whom the pool leased the connection to; nil while it is idle (or not yet the pool's).
    var leasePurpose: UpstreamLeasePurpose?
    private(set) var context: ChannelHandlerContext?
    /// The channel's allocator, for the heads written to it.
    private(set) var allocator = ByteBufferAllocator()
    private var encoder = UpstreamRequestEncoder()
    private var decoder: UpstreamResponseDecoder
    /// Bytes read and not yet decoded: the rest of a read, or the start of a head or line that
    /// the next read completes.
    private var received: ByteBuffer?
    private var isClosed = false
    private var readsPaused = false
    private var readPending = false
    private var closeError: Error?
    /// Armed while the connection waits in the pool; closes it when the pool's idle timeout passes.
    private(set) var idleDeadline: LazyDeadline?
    /// Armed by an exchange while it waits for a response head.
    private(set) var responseDeadline: LazyDeadline?

    /// - Parameter maxHeadBytes: the most a response head may take (the config's `header_bytes`).
    init(serverIndex: Int, maxHeadBytes: Int) {
        self.serverIndex = serverIndex
        self.decoder = UpstreamResponseDecoder(maxHeadBytes: maxHeadBytes)
    }

    var channel: Channel? { self.context?.channel }
    /// Open and not being closed: can carry a request.
    var isActive: Bool { self.context != nil && !self.isClosed }
    /// The socket takes more bytes now: read when the handler is added, then kept from
    /// writability events, so that the exchange's checks cost no trip through the channel.
    private(set) var isWritable = true

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.allocator = context.channel.allocator
        self.isWritable = context.channel.isWritable
        self.idleDeadline = LazyDeadline(eventLoop: context.eventLoop) {
            guard self.delegate == nil else { return }
            self.close()
        }
        self.responseDeadline = LazyDeadline(eventLoop: context.eventLoop) {
            self.delegate?.upstreamTimedOut()
        }
    }

    /// Bytes that came after a 101 belong to the new protocol: they go on to the tunnel handler
    /// that replaces this one.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.idleDeadline?.cancel()
        self.responseDeadline?.cancel()
        if let leftOver = self.received.take(), leftOver.readableBytes > 0 {
            context.fireChannelRead(self.wrapInboundOut(leftOver))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if self.received == nil || self.received!.readableBytes == 0 {
            self.received = bytes
        } else {
            self.received!.writeBuffer(&bytes)
        }
        self.decodeReceived(context: context)
    }

    /// Hands every part the received bytes hold to the delegate. A delegate may end the lease or
    /// close the connection from its callback; decoding goes on only while the connection is open.
    private func decodeReceived(context: ChannelHandlerContext) {
        while !self.isClosed {
            let part: HTTPClientResponsePart?
            do {
                part = try self.decoder.next(&self.received!)
            } catch {
                self.badResponse(error, context: context)
                return
            }
            guard let part else { break }
            guard let delegate = self.delegate else {
                // A part of a response nobody waits for (the exchange went away): the
                // connection is out of step and must not be reused.
                self.close()
                return
            }
            delegate.upstreamResponsePart(part)
        }
        if self.received?.readableBytes == 0 {
            self.received = nil  // Lets go of the read buffer that body slices came from.
        }
    }

    private func badResponse(_ error: Error, context: ChannelHandlerContext) {
        if let pool = self.pool {
            pool.logger.warning(
                "bad upstream response",
                metadata: [
                    "upstream": "\(pool.configuration.name)",
                    "server": "\(pool.configuration.servers[self.serverIndex])",
                    "error": "\(error)",
                ]
            )
        }
        self.closeError = error
        self.isClosed = true
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.isWritable = context.channel.isWritable
        if self.isWritable {
            self.delegate?.upstreamBecameWritable()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.closeError = error
        self.isClosed = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isClosed = true
        if let end = self.decoder.endOfInput() {
            // The response ran until the backend closed the connection, and that close ends it.
            self.delegate?.upstreamResponsePart(end)
        }
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

    /// Sends a request head, already in bytes; its body follows in chunks when `chunked` is set.
    func sendHead(_ bytes: ByteBuffer, method: HTTPMethod, chunked: Bool) {
        guard let context = self.context else { return }
        self.encoder.headSent(chunked: chunked)
        self.decoder.requestSent(method: method)
        context.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    func sendBody(_ buffer: ByteBuffer) {
        guard let context = self.context else { return }
        if let prefix = self.encoder.bodyPrefix(length: buffer.readableBytes, allocator: self.allocator) {
            context.write(self.wrapOutboundOut(prefix), promise: nil)
        }
        context.write(self.wrapOutboundOut(buffer), promise: nil)
    }

    func sendEnd() {
        guard let context = self.context,
            let bytes = self.encoder.end(allocator: self.allocator)
        else { return }
        context.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    /// The response being read lets the connection carry another request (known once its head
    /// has been read).
    var responseKeepsAlive: Bool {
        self.decoder.keepAlive
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
        self.isClosed = true
        self.context?.close(promise: nil)
    }
}
