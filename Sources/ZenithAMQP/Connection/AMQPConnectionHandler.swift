import Logging
import NIOCore

/// Runs one connection's `AMQPConnectionStateMachine` on its channel: feeds it the frames the
/// decoder produced, decoding errors, heartbeat ticks and settlements, and takes its actions
/// (writes, deliveries, timers, closing). Reports the outcome once, when the channel closes.
/// Owned by `AMQPConsumer`, one per connection attempt; lives and is used on one event loop.
final class AMQPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = AMQPFrame
    typealias OutboundOut = ByteBuffer

    /// What the owner hears from a connection, always on its event loop.
    struct Events {
        var consuming: (_ queue: String, _ consumerTag: String) -> Void
        var delivery: (AMQPDelivery) -> Void
        /// Once, when the socket closed; nil error after a clean `close()`.
        var closed: (AMQPConsumerError?) -> Void
    }

    private var machine: AMQPConnectionStateMachine
    private let events: Events
    private let logger: Logger
    private let connectTimeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var heartbeats: RepeatedTask?
    private var negotiationTimeout: Scheduled<Void>?
    private var closeError: AMQPConsumerError?
    private var reported = false
    /// `close()` came before the socket was up: close as soon as it is.
    private var closeRequested = false

    init(configuration: AMQPConsumerConfiguration, host: AMQPTransportURL.Host, logger: Logger, events: Events) {
        self.machine = AMQPConnectionStateMachine(configuration: configuration, credentials: host)
        self.events = events
        self.logger = logger
        self.connectTimeout = configuration.connectTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard negotiationTimeout == nil else { return }
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        negotiationTimeout = context.eventLoop.scheduleTask(in: connectTimeout) {
            this.value.closeError = this.value.closeError ?? .connectTimedOut
            this.value.context?.close(promise: nil)
        }
        perform(machine.connected(now: .now()))
        if closeRequested { close() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.received(unwrapInboundIn(data), now: .now()))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? AMQPProtocolError {
            perform(machine.decodingFailed(error, now: .now()))
        } else {
            closeError = closeError ?? .transport("\(error)")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeats?.cancel()
        negotiationTimeout?.cancel()
        let error = machine.socketClosed("the broker closed the socket")
        report(closeError ?? error)
        self.context = nil
        context.fireChannelInactive()
    }

    /// Ack (`requeue` nil) or reject a delivery of this connection.
    func settle(deliveryTag: UInt64, requeue: Bool?) {
        guard context != nil else { return }
        if let requeue {
            perform(machine.reject(deliveryTag: deliveryTag, requeue: requeue, now: .now()))
        } else {
            perform(machine.ack(deliveryTag: deliveryTag, now: .now()))
        }
    }

    /// Closes the connection politely (connection.close, then the socket after close-ok, or at
    /// the negotiation timeout at the latest).
    func close() {
        closeRequested = true
        guard let context, context.channel.isActive else { return }
        perform(machine.close(now: .now()))
        // The broker has a few seconds to answer close-ok; after that the socket goes anyway.
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(3)) { this.value.context?.close(promise: nil) }
    }

    private func perform(_ actions: [AMQPConnectionStateMachine.Action]) {
        guard let context else { return }
        for action in actions {
            switch action {
            case .writeProtocolHeader:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: AMQPFrame.protocolHeader)), promise: nil)
            case .write(let frames):
                var buffer = context.channel.allocator.buffer(capacity: 256)
                for frame in frames { frame.encode(into: &buffer) }
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            case .consuming(let queue, let tag):
                negotiationTimeout?.cancel()
                events.consuming(queue, tag)
            case .deliver(let content):
                let settler = AMQPDeliverySettler(eventLoop: context.eventLoop, handler: NIOLoopBound(self, eventLoop: context.eventLoop))
                events.delivery(AMQPDelivery(fields: content.fields, properties: content.properties, body: content.body, settler: settler))
            case .droppedOversized(let tag, let size):
                logger.warning("AMQP message over the body size limit rejected", metadata: ["delivery_tag": "\(tag)", "body_size": "\(size)"])
            case .startHeartbeats(let period):
                heartbeats?.cancel()
                let this = NIOLoopBound(self, eventLoop: context.eventLoop)
                heartbeats = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                    this.value.perform(this.value.machine.heartbeatTick(now: .now()))
                }
            case .closeSocket(let error):
                closeError = closeError ?? error
                context.close(promise: nil)
            }
        }
    }

    private func report(_ error: AMQPConsumerError?) {
        guard !reported else { return }
        reported = true
        events.closed(error)
    }
}
