import NIOCore

/// The AMQP 0-9-1 methods a consumer sends or receives (spec §1.4 to §1.8; class and method ids
/// from the spec's XML). Publishing, `basic.get`, transactions and confirms are not here: the
/// client only consumes. A method frame holding any other method is refused with 540
/// not-implemented, or 503 command-invalid for a known method a consumer must never receive.
public enum AMQPMethod: Equatable, Sendable {
    // connection (class 10)
    case connectionStart(versionMajor: UInt8, versionMinor: UInt8, serverProperties: AMQPFieldTable, mechanisms: String, locales: String)
    case connectionStartOk(clientProperties: AMQPFieldTable, mechanism: String, response: String, locale: String)
    case connectionTune(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionTuneOk(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    case connectionOpen(virtualHost: String)
    case connectionOpenOk
    case connectionClose(AMQPCloseReason)
    case connectionCloseOk
    case connectionBlocked(reason: String)
    case connectionUnblocked
    // channel (class 20)
    case channelOpen
    case channelOpenOk
    case channelFlow(active: Bool)
    case channelFlowOk(active: Bool)
    case channelClose(AMQPCloseReason)
    case channelCloseOk
    // exchange (class 40)
    case exchangeDeclare(AMQPExchangeDeclare)
    case exchangeDeclareOk
    // queue (class 50)
    case queueDeclare(AMQPQueueDeclare)
    case queueDeclareOk(queue: String, messageCount: UInt32, consumerCount: UInt32)
    case queueBind(queue: String, exchange: String, routingKey: String, arguments: AMQPFieldTable)
    case queueBindOk
    // basic (class 60)
    case basicQos(prefetchSize: UInt32, prefetchCount: UInt16, global: Bool)
    case basicQosOk
    case basicConsume(queue: String, consumerTag: String, noAck: Bool, exclusive: Bool, arguments: AMQPFieldTable)
    case basicConsumeOk(consumerTag: String)
    case basicCancel(consumerTag: String, noWait: Bool)
    case basicCancelOk(consumerTag: String)
    case basicDeliver(AMQPDeliverFields)
    case basicAck(deliveryTag: UInt64, multiple: Bool)
    case basicReject(deliveryTag: UInt64, requeue: Bool)
    case basicNack(deliveryTag: UInt64, multiple: Bool, requeue: Bool)

    /// The class and method id pair (§4.2.4).
    public var id: (classID: UInt16, methodID: UInt16) {
        switch self {
        case .connectionStart: (10, 10)
        case .connectionStartOk: (10, 11)
        case .connectionTune: (10, 30)
        case .connectionTuneOk: (10, 31)
        case .connectionOpen: (10, 40)
        case .connectionOpenOk: (10, 41)
        case .connectionClose: (10, 50)
        case .connectionCloseOk: (10, 51)
        case .connectionBlocked: (10, 60)
        case .connectionUnblocked: (10, 61)
        case .channelOpen: (20, 10)
        case .channelOpenOk: (20, 11)
        case .channelFlow: (20, 20)
        case .channelFlowOk: (20, 21)
        case .channelClose: (20, 40)
        case .channelCloseOk: (20, 41)
        case .exchangeDeclare: (40, 10)
        case .exchangeDeclareOk: (40, 11)
        case .queueDeclare: (50, 10)
        case .queueDeclareOk: (50, 11)
        case .queueBind: (50, 20)
        case .queueBindOk: (50, 21)
        case .basicQos: (60, 10)
        case .basicQosOk: (60, 11)
        case .basicConsume: (60, 20)
        case .basicConsumeOk: (60, 21)
        case .basicCancel: (60, 30)
        case .basicCancelOk: (60, 31)
        case .basicDeliver: (60, 60)
        case .basicAck: (60, 80)
        case .basicReject: (60, 90)
        case .basicNack: (60, 120)
        }
    }
}

/// The reason of a `connection.close` or `channel.close`: a reply code and text, and the method
/// that caused it (0, 0 when none did).
public struct AMQPCloseReason: Equatable, Sendable, CustomStringConvertible {
    public var replyCode: UInt16
    public var replyText: String
    public var classID: UInt16
    public var methodID: UInt16

    public init(replyCode: UInt16, replyText: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.classID = classID
        self.methodID = methodID
    }

    public var description: String {
        classID == 0 ? "\(replyCode) \(replyText)" : "\(replyCode) \(replyText) (method \(classID).\(methodID))"
    }
}

/// `exchange.declare`'s fields. This client only sends it with `passive` set (it checks that the
/// exchange exists and never creates one with guessed flags); the other flags are for decoding.
public struct AMQPExchangeDeclare: Equatable, Sendable {
    public var exchange: String
    public var type: String
    public var passive: Bool
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var noWait: Bool
    public var arguments: AMQPFieldTable

    public init(exchange: String, type: String = "", passive: Bool = true, durable: Bool = false, autoDelete: Bool = false,
                internal: Bool = false, noWait: Bool = false, arguments: AMQPFieldTable = [:]) {
        self.exchange = exchange
        self.type = type
        self.passive = passive
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.noWait = noWait
        self.arguments = arguments
    }
}

/// `queue.declare`'s fields.
public struct AMQPQueueDeclare: Equatable, Sendable {
    public var queue: String
    public var passive: Bool
    public var durable: Bool
    public var exclusive: Bool
    public var autoDelete: Bool
    public var noWait: Bool
    public var arguments: AMQPFieldTable

    public init(queue: String, passive: Bool = false, durable: Bool = false, exclusive: Bool = false,
                autoDelete: Bool = false, noWait: Bool = false, arguments: AMQPFieldTable = [:]) {
        self.queue = queue
        self.passive = passive
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.noWait = noWait
        self.arguments = arguments
    }
}

/// `basic.deliver`'s fields: which consumer, the channel-scoped delivery tag to ack with, whether
/// the broker delivered it before, and where it was published.
public struct AMQPDeliverFields: Equatable, Sendable {
    public var consumerTag: String
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String

    public init(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String) {
        self.consumerTag = consumerTag
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
    }
}
