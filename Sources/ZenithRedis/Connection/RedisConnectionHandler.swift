import NIOCore

/// What a `RedisConnection` writes into its channel: a command and who waits for its answer.
struct RedisRequest: Sendable {
    enum Expectation: Sendable {
        /// One reply; an error reply fails the promise with `RedisError.reply`.
        case reply(EventLoopPromise<RESPValue>)
        /// One confirmation push of `kind` per channel or pattern named.
        case confirmations(RedisSubscriptionKind, count: Int, EventLoopPromise<Void>)
    }

    var command: RESPCommand
    var expectation: Expectation
}

/// The last handler of a Redis connection's pipeline: encodes commands, matches replies in order
/// to the commands in flight (Redis answers in order, so pipelining is a FIFO), and hands
/// `message`/`pmessage` pushes to `onMessage` once the connection has subscribed.
///
/// Any decoding error, unexpected reply or I/O error closes the connection; whatever is in flight
/// then fails with `RedisError.connectionClosed` (or the protocol error). Beyond `maxInFlight`
/// commands waiting for replies, further ones fail at once with `RedisError.overloaded`.
final class RedisConnectionHandler: ChannelDuplexHandler {
    /// Commands waiting for replies at most: a Redis that stops answering must not make every
    /// broadcast of a busy node pile up in memory.
    static let maxInFlight = 10_000

    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var inFlight = CircularBuffer<RedisRequest.Expectation>()
    private var subscribed = false
    private var closed = false
    private let onMessage: ((RedisMessage) -> Void)?

    init(onMessage: ((RedisMessage) -> Void)?) {
        self.onMessage = onMessage
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !closed else {
            Self.fail(request.expectation, RedisError.connectionClosed)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard inFlight.count < Self.maxInFlight else {
            Self.fail(request.expectation, RedisError.overloaded)
            promise?.fail(RedisError.overloaded)
            return
        }
        if case .confirmations = request.expectation { subscribed = true }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeRESPCommand(request.command)
        inFlight.append(request.expectation)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if subscribed, let message = RedisMessage(push: value) {
            onMessage?(message)
            return
        }
        guard let head = inFlight.first else {
            return protocolFailure(context: context, .unexpectedReply("a reply with no command in flight"))
        }
        switch head {
        case .reply(let promise):
            inFlight.removeFirst()
            if case .error(let text) = value {
                promise.fail(RedisError.reply(text))
            } else {
                promise.succeed(value)
            }
        case .confirmations(let kind, let count, let promise):
            if case .error(let text) = value {
                inFlight.removeFirst()
                return promise.fail(RedisError.reply(text))
            }
            guard value.array?.first?.string == kind.rawValue else {
                return protocolFailure(context: context, .unexpectedReply("\(value.kindDescription) while waiting for \(kind.rawValue) confirmations"))
            }
            if count > 1 {
                inFlight[inFlight.startIndex] = .confirmations(kind, count: count - 1, promise)
            } else {
                inFlight.removeFirst()
                promise.succeed()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decoding = error as? RESPDecodingError {
            return protocolFailure(context: context, .protocolError(decoding))
        }
        failAll(RedisError.connectionClosed)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
    }

    private func protocolFailure(context: ChannelHandlerContext, _ error: RedisError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        closed = true
        while let expectation = inFlight.popFirst() { Self.fail(expectation, error) }
    }

    private static func fail(_ expectation: RedisRequest.Expectation, _ error: RedisError) {
        switch expectation {
        case .reply(let promise): promise.fail(error)
        case .confirmations(_, _, let promise): promise.fail(error)
        }
    }
}
