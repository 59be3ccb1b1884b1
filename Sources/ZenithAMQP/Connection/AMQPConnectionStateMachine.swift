import NIOCore

/// One consumer connection's life, as a value: negotiation (protocol header, start/start-ok with
/// PLAIN, tune/tune-ok, open/open-ok), the consumer's channel and its setup (passive exchange
/// declares, queue declare, binds, qos, consume), deliveries assembled from their frames,
/// heartbeats both ways, and closing from either side. Every input returns the actions to take;
/// `AMQPConnectionHandler` takes them on the channel. Time comes in as `now` so tests drive it.
struct AMQPConnectionStateMachine {
    /// What the handler must do, in order.
    enum Action: Equatable {
        case writeProtocolHeader
        case write([AMQPFrame])
        /// The channel is set up and consuming from `queue` (whose name the broker may have chosen).
        case consuming(queue: String, consumerTag: String)
        /// Hand a whole message to the consumer's handler.
        case deliver(AMQPDeliveryContent)
        /// A message over the body size limit was dropped (and rejected without requeue).
        case droppedOversized(deliveryTag: UInt64, bodySize: UInt64)
        /// Heartbeats were negotiated: tick the machine at this period.
        case startHeartbeats(every: TimeAmount)
        /// Close the socket (after the writes before it). `error` nil: a clean close asked for by `close()`.
        case closeSocket(error: AMQPConsumerError?)
    }

    /// Values the broker and client agreed on in tune/tune-ok.
    struct Tuning: Equatable {
        var channelMax: UInt16
        var frameMax: UInt32
        /// Seconds; 0 is none.
        var heartbeat: UInt16
    }

    /// A setup method sent on the consumer's channel, awaiting its -ok.
    enum SetupStep: Equatable {
        case declareExchange(String)
        case declareQueue
        case bind(AMQPBinding)
        case qos
        case consume
    }

    /// A message being assembled from basic.deliver, its content header and body frames.
    struct PendingContent: Equatable {
        var fields: AMQPDeliverFields
        var header: AMQPContentHeader?
        var body: ByteBuffer
        /// Over the body limit: its frames are counted and dropped, not kept.
        var discarding: Bool
        var received: UInt64
    }

    enum State: Equatable {
        case idle
        case awaitingStart
        case awaitingTune
        case awaitingOpenOk
        case awaitingChannelOpenOk
        case settingUp(remaining: [SetupStep], queue: String)
        case consuming(queue: String, consumerTag: String, pending: PendingContent?)
        /// connection.close sent; waiting for close-ok. `error` is reported when it comes.
        case closing(error: AMQPConsumerError?)
        case closed
    }

    static let channel: UInt16 = 1

    let configuration: AMQPConsumerConfiguration
    let credentials: AMQPTransportURL.Host
    private(set) var state: State = .idle
    private(set) var tuning: Tuning?
    private var lastReceived: NIODeadline = .uptimeNanoseconds(0)
    private var lastSent: NIODeadline = .uptimeNanoseconds(0)

    init(configuration: AMQPConsumerConfiguration, credentials: AMQPTransportURL.Host) {
        self.configuration = configuration
        self.credentials = credentials
    }

    // MARK: inputs

    /// The socket (and TLS) is up: open with the protocol header.
    mutating func connected(now: NIODeadline) -> [Action] {
        guard case .idle = state else { return [] }
        state = .awaitingStart
        lastReceived = now
        lastSent = now
        return [.writeProtocolHeader]
    }

    /// A frame came from the broker.
    mutating func received(_ frame: AMQPFrame, now: NIODeadline) -> [Action] {
        lastReceived = now
        switch frame {
        case .heartbeat:
            return []
        case .method(0, let method):
            return receivedConnectionMethod(method, now: now)
        case .method(Self.channel, let method):
            return receivedChannelMethod(method, now: now)
        case .header(Self.channel, let header):
            return receivedHeader(header, now: now)
        case .body(Self.channel, let bytes):
            return receivedBody(bytes, now: now)
        default:
            return fail(.init(AMQPReplyCode.channelError, "frame on channel \(frame.channel), which is not open"), now: now)
        }
    }

    /// The decoder refused the broker's bytes.
    mutating func decodingFailed(_ error: AMQPProtocolError, now: NIODeadline) -> [Action] {
        fail(error, now: now)
    }

    /// Time passed (called at the heartbeat period): send a heartbeat when nothing else was sent
    /// for half the interval, and give up when nothing came for two intervals (§4.2.7).
    mutating func heartbeatTick(now: NIODeadline) -> [Action] {
        guard let interval = tuning?.heartbeat, interval > 0, isOpen else { return [] }
        let period = TimeAmount.seconds(Int64(interval))
        if now - lastReceived >= period * 2 {
            state = .closed
            return [.closeSocket(error: .missedHeartbeats)]
        }
        guard now - lastSent >= .nanoseconds(period.nanoseconds / 2) else { return [] }
        return write([.heartbeat], now: now)
    }

    /// The consumer's handler acknowledges a delivery of this connection.
    mutating func ack(deliveryTag: UInt64, now: NIODeadline) -> [Action] {
        guard case .consuming = state else { return [] }  // a later connection's tags differ: dropped
        return write([.method(channel: Self.channel, .basicAck(deliveryTag: deliveryTag, multiple: false))], now: now)
    }

    /// The consumer's handler rejects a delivery; `requeue` puts it back for another delivery.
    mutating func reject(deliveryTag: UInt64, requeue: Bool, now: NIODeadline) -> [Action] {
        guard case .consuming = state else { return [] }
        return write([.method(channel: Self.channel, .basicReject(deliveryTag: deliveryTag, requeue: requeue))], now: now)
    }

    /// The owner stops: close the connection politely (unacknowledged messages are requeued by the broker).
    mutating func close(now: NIODeadline) -> [Action] {
        switch state {
        case .idle, .awaitingStart, .awaitingTune:
            state = .closed
            return [.closeSocket(error: nil)]
        case .closing, .closed:
            return []
        default:
            state = .closing(error: nil)
            return write([.method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: AMQPReplyCode.success, replyText: "consumer stopped")))], now: now)
        }
    }

    /// The socket closed (EOF or error) before the protocol's close finished.
    mutating func socketClosed(_ message: String) -> AMQPConsumerError? {
        defer { state = .closed }
        switch state {
        case .closed: return nil
        case .closing(let error): return error
        case .awaitingStart, .awaitingTune:
            // RabbitMQ closes the socket without a word on a bad PLAIN login unless the
            // authentication_failure_close capability is honoured.
            return .transport("\(message) during negotiation (wrong credentials or vhost?)")
        default: return .transport(message)
        }
    }

    // MARK: connection class

    private mutating func receivedConnectionMethod(_ method: AMQPMethod, now: NIODeadline) -> [Action] {
        switch (state, method) {
        case (_, .connectionClose(let reason)):
            let error: AMQPConsumerError? = if case .closing(let pending) = state { pending } else { .connectionClosedByBroker(reason) }
            state = .closed
            lastSent = now
            return [.write([.method(channel: 0, .connectionCloseOk)]), .closeSocket(error: error)]
        case (.closing(let error), .connectionCloseOk):
            state = .closed
            return [.closeSocket(error: error)]
        case (.closing, _):
            return []  // §2.2.4: after sending close, everything but close/close-ok is discarded
        case (.awaitingStart, .connectionStart(_, _, _, let mechanisms, _)):
            guard mechanisms.split(separator: " ").contains("PLAIN") else {
                return failNegotiation("broker offers \(mechanisms), not PLAIN")
            }
            state = .awaitingTune
            return write([.method(channel: 0, startOk())], now: now)
        case (.awaitingTune, .connectionTune(let channelMax, let frameMax, let heartbeat)):
            let ours = UInt16(clamping: configuration.heartbeat.nanoseconds / 1_000_000_000)
            let agreed = Tuning(
                channelMax: Self.negotiate(channelMax, 1),
                frameMax: max(Self.negotiate(frameMax, configuration.frameMax), AMQPFrame.minimumFrameMax),
                heartbeat: Self.negotiate(heartbeat, ours))
            tuning = agreed
            state = .awaitingOpenOk
            var actions = write([
                .method(channel: 0, .connectionTuneOk(channelMax: agreed.channelMax, frameMax: agreed.frameMax, heartbeat: agreed.heartbeat)),
                .method(channel: 0, .connectionOpen(virtualHost: configuration.transportURL.virtualHost)),
            ], now: now)
            if agreed.heartbeat > 0 {
                // Ticking at a quarter of the interval keeps sends within half of it (RabbitMQ's advice).
                actions.append(.startHeartbeats(every: .milliseconds(Int64(agreed.heartbeat) * 250)))
            }
            return actions
        case (.awaitingOpenOk, .connectionOpenOk):
            state = .awaitingChannelOpenOk
            return write([.method(channel: Self.channel, .channelOpen)], now: now)
        case (_, .connectionBlocked), (_, .connectionUnblocked):
            return []  // only publishers are blocked; a consumer goes on
        default:
            return fail(.init(AMQPReplyCode.commandInvalid, "unexpected \(Self.name(method)) on channel 0 in \(stateName)"), now: now)
        }
    }

    /// §2.2.4 and RabbitMQ's "Connection negotiation": the smaller of two limits, where 0 means "no limit" on either side.
    static func negotiate<Value: FixedWidthInteger>(_ server: Value, _ client: Value) -> Value {
        server == 0 || client == 0 ? max(server, client) : min(server, client)
    }

    private func startOk() -> AMQPMethod {
        let capabilities: AMQPFieldTable = [
            "consumer_cancel_notify": .bool(true),  // without it RabbitMQ cancels silently
            "authentication_failure_close": .bool(true),
            "connection.blocked": .bool(true),
        ]
        let properties: AMQPFieldTable = [
            "product": .longString("Zenith"),
            "platform": .longString("Swift"),
            "capabilities": .table(capabilities),
            "connection_name": .longString(configuration.connectionName),
        ]
        // PLAIN (RFC 4616): authzid, NUL, user, NUL, password.
        let response = "\u{0}\(credentials.user)\u{0}\(credentials.password)"
        return .connectionStartOk(clientProperties: properties, mechanism: "PLAIN", response: response, locale: "en_US")
    }

    // MARK: the consumer's channel

    private mutating func receivedChannelMethod(_ method: AMQPMethod, now: NIODeadline) -> [Action] {
        switch (state, method) {
        case (.closing, _):
            return []
        case (_, .channelClose(let reason)):
            // Answer close-ok, then end the connection: the setup cannot go on without the channel,
            // and a fresh connection (after backoff) declares everything again.
            state = .closing(error: .channelClosedByBroker(reason))
            return write([
                .method(channel: Self.channel, .channelCloseOk),
                .method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: AMQPReplyCode.success, replyText: "channel closed by broker"))),
            ], now: now)
        case (_, .channelFlow(let active)):
            return write([.method(channel: Self.channel, .channelFlowOk(active: active))], now: now)
        case (.awaitingChannelOpenOk, .channelOpenOk):
            let steps = configuration.exchanges.map(SetupStep.declareExchange) + [.declareQueue]
                + configuration.bindings.map(SetupStep.bind) + [.qos, .consume]
            return nextSetupStep(steps, queue: configuration.queue.queue, now: now)
        case (.settingUp(let remaining, let queue), _) where Self.isReply(method, to: remaining[0]):
            var queue = queue
            if case .queueDeclareOk(let name, _, _) = method { queue = name }
            if case .basicConsumeOk(let tag) = method {
                state = .consuming(queue: queue, consumerTag: tag, pending: nil)
                return [.consuming(queue: queue, consumerTag: tag)]
            }
            return nextSetupStep(Array(remaining.dropFirst()), queue: queue, now: now)
        case (.consuming(_, let tag, nil), .basicDeliver(let fields)):
            guard fields.consumerTag == tag else {
                return fail(.init(AMQPReplyCode.commandInvalid, "delivery for unknown consumer tag"), now: now)
            }
            setPending(PendingContent(fields: fields, header: nil, body: ByteBuffer(), discarding: false, received: 0))
            return []
        case (.consuming(_, let tag, nil), .basicCancel(let cancelled, let noWait)):
            guard cancelled == tag else { return [] }
            state = .closing(error: .consumerCancelledByBroker(consumerTag: tag))
            let reply: [AMQPFrame] = noWait ? [] : [.method(channel: Self.channel, .basicCancelOk(consumerTag: tag))]
            return write(reply + [
                .method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: AMQPReplyCode.success, replyText: "consumer cancelled by broker"))),
            ], now: now)
        default:
            return fail(.init(AMQPReplyCode.unexpectedFrame, "unexpected \(Self.name(method)) on channel 1 in \(stateName)"), now: now)
        }
    }

    private mutating func nextSetupStep(_ steps: [SetupStep], queue: String, now: NIODeadline) -> [Action] {
        state = .settingUp(remaining: steps, queue: queue)
        let method: AMQPMethod
        switch steps[0] {
        case .declareExchange(let name):
            method = .exchangeDeclare(AMQPExchangeDeclare(exchange: name, passive: true))
        case .declareQueue:
            var declare = configuration.queue
            declare.noWait = false
            method = .queueDeclare(declare)
        case .bind(let binding):
            method = .queueBind(queue: queue, exchange: binding.exchange, routingKey: binding.routingKey, arguments: binding.arguments)
        case .qos:
            method = .basicQos(prefetchSize: 0, prefetchCount: configuration.prefetch, global: false)
        case .consume:
            method = .basicConsume(queue: queue, consumerTag: configuration.consumerTag, noAck: false, exclusive: false, arguments: [:])
        }
        return write([.method(channel: Self.channel, method)], now: now)
    }

    private static func isReply(_ method: AMQPMethod, to step: SetupStep) -> Bool {
        switch (step, method) {
        case (.declareExchange, .exchangeDeclareOk), (.declareQueue, .queueDeclareOk), (.bind, .queueBindOk),
             (.qos, .basicQosOk), (.consume, .basicConsumeOk):
            true
        default:
            false
        }
    }

    // MARK: content

    private mutating func receivedHeader(_ header: AMQPContentHeader, now: NIODeadline) -> [Action] {
        guard case .consuming(_, _, var pending?) = state, pending.header == nil else {
            return fail(.unexpected("content header without basic.deliver"), now: now)
        }
        setPending(nil)  // the state lets go of the body, so that growing it copies nothing
        pending.header = header
        pending.discarding = header.bodySize > configuration.maximumBodySize
        if !pending.discarding { pending.body.reserveCapacity(Int(header.bodySize)) }
        return finishIfComplete(pending, now: now)
    }

    private mutating func receivedBody(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard case .consuming(_, _, var pending?) = state, let header = pending.header else {
            return fail(.unexpected("body frame without content header"), now: now)
        }
        setPending(nil)  // the state lets go of the body: appending to it must not copy it whole
        pending.received += UInt64(bytes.readableBytes)
        guard pending.received <= header.bodySize else {
            return fail(.unexpected("body frames longer than the \(header.bodySize) bytes announced"), now: now)
        }
        if !pending.discarding {
            var bytes = bytes
            pending.body.writeBuffer(&bytes)
        }
        return finishIfComplete(pending, now: now)
    }

    private mutating func finishIfComplete(_ pending: PendingContent, now: NIODeadline) -> [Action] {
        guard let header = pending.header, pending.received == header.bodySize else {
            setPending(pending)
            return []
        }
        setPending(nil)
        if pending.discarding {
            return write([.method(channel: Self.channel, .basicReject(deliveryTag: pending.fields.deliveryTag, requeue: false))], now: now)
                + [.droppedOversized(deliveryTag: pending.fields.deliveryTag, bodySize: header.bodySize)]
        }
        return [.deliver(AMQPDeliveryContent(fields: pending.fields, properties: header.properties, body: pending.body))]
    }

    private mutating func setPending(_ pending: PendingContent?) {
        guard case .consuming(let queue, let tag, _) = state else { return }
        state = .consuming(queue: queue, consumerTag: tag, pending: pending)
    }

    // MARK: failing

    /// A protocol error on our side of the reading: close the connection with its reply code
    /// (or, for broken framing, just the socket, §4.2.3).
    private mutating func fail(_ error: AMQPProtocolError, now: NIODeadline) -> [Action] {
        switch state {
        case .closing, .closed:
            return []
        default:
            break
        }
        if error.closesWithoutReply || state == .awaitingStart {
            state = .closed
            return [.closeSocket(error: .protocolViolation(error))]
        }
        state = .closing(error: .protocolViolation(error))
        return write([.method(channel: 0, .connectionClose(AMQPCloseReason(replyCode: error.replyCode, replyText: String(error.message.prefix(200)))))], now: now)
    }

    private mutating func failNegotiation(_ message: String) -> [Action] {
        state = .closed
        return [.closeSocket(error: .negotiationFailed(message))]
    }

    private mutating func write(_ frames: [AMQPFrame], now: NIODeadline) -> [Action] {
        guard !frames.isEmpty else { return [] }
        lastSent = now
        return [.write(frames)]
    }

    private var isOpen: Bool {
        switch state {
        case .idle, .closed: false
        default: true
        }
    }

    private var stateName: String {
        switch state {
        case .idle: "idle"
        case .awaitingStart: "awaiting start"
        case .awaitingTune: "awaiting tune"
        case .awaitingOpenOk: "awaiting open-ok"
        case .awaitingChannelOpenOk: "awaiting channel open-ok"
        case .settingUp: "setting up"
        case .consuming: "consuming"
        case .closing: "closing"
        case .closed: "closed"
        }
    }

    private static func name(_ method: AMQPMethod) -> String {
        let (classID, methodID) = method.id
        return "method \(classID).\(methodID)"
    }
}

/// A whole message as the broker delivered it (before it is handed out with its acknowledger).
struct AMQPDeliveryContent: Equatable {
    var fields: AMQPDeliverFields
    var properties: AMQPBasicProperties
    var body: ByteBuffer
}
