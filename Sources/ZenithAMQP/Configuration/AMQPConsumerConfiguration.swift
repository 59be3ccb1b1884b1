import NIOCore
import ZenithBackoff

/// What a consumer connects to, declares and consumes, and its limits. Made by the caller (the
/// notifications feature will build it from `[notifications]`); `AMQPConsumer` owns a copy.
public struct AMQPConsumerConfiguration: Sendable {
    /// The brokers and credentials.
    public var transportURL: AMQPTransportURL
    /// PEM file of the CA(s) that sign the broker's certificate, for `ssl=1`; nil uses the
    /// system's trust store.
    public var caFile: String?
    /// Exchanges that must exist; each is declared passively (a missing one stops consuming with
    /// `AMQPConsumerError.channelClosed` 404, never creates anything).
    public var exchanges: [String]
    /// The queue to declare and consume from.
    public var queue: AMQPQueueDeclare
    /// Bindings of `queue` (exchange, routing key), made after the declare on every connection.
    public var bindings: [AMQPBinding]
    /// basic.qos prefetch-count: how many deliveries may be unacknowledged at once (0: unbounded).
    public var prefetch: UInt16
    /// The heartbeat interval proposed to the broker; the smaller non-zero of both is used (0
    /// from both: none).
    public var heartbeat: TimeAmount
    /// The largest frame this client accepts (frame_max proposed in tune-ok).
    public var frameMax: UInt32
    /// The largest message body assembled; a larger one is not kept: its body frames are dropped
    /// and it is rejected without requeue (dead-lettered if the queue says so), with a warning.
    public var maximumBodySize: UInt64
    /// How long to wait for the TCP/TLS connection and for the negotiation to finish.
    public var connectTimeout: TimeAmount
    /// Reconnect backoff: the first delay, doubled per consecutive failure up to `maximum`, each
    /// shortened at random by up to `jitter` of itself.
    public var reconnectBackoff: ReconnectBackoff
    /// The consumer tag sent in basic.consume (empty: the broker chooses one).
    public var consumerTag: String
    /// Sent as `connection_name` in the client properties (shown by `rabbitmqctl list_connections`).
    public var connectionName: String

    public init(transportURL: AMQPTransportURL, caFile: String? = nil, exchanges: [String] = [],
                queue: AMQPQueueDeclare, bindings: [AMQPBinding] = [], prefetch: UInt16 = 100,
                heartbeat: TimeAmount = .seconds(30), frameMax: UInt32 = 131_072, maximumBodySize: UInt64 = 16 << 20,
                connectTimeout: TimeAmount = .seconds(10), reconnectBackoff: ReconnectBackoff = ReconnectBackoff(initial: .milliseconds(500), maximum: .seconds(30), jitter: 0.25),
                consumerTag: String = "", connectionName: String = "zenith") {
        self.transportURL = transportURL
        self.caFile = caFile
        self.exchanges = exchanges
        self.queue = queue
        self.bindings = bindings
        self.prefetch = prefetch
        self.heartbeat = heartbeat
        self.frameMax = frameMax
        self.maximumBodySize = maximumBodySize
        self.connectTimeout = connectTimeout
        self.reconnectBackoff = reconnectBackoff
        self.consumerTag = consumerTag
        self.connectionName = connectionName
    }

    /// A problem that would make a method unencodable (names longer than AMQP's 255-byte short
    /// strings), or nil when the configuration can be used.
    public func validate() -> String? {
        let names = exchanges + [queue.queue, consumerTag, connectionName] + bindings.flatMap { [$0.exchange, $0.routingKey] }
        if let long = names.first(where: { $0.utf8.count > 255 }) { return "name longer than 255 bytes: \(long.prefix(40))…" }
        if transportURL.hosts.isEmpty { return "no broker host" }
        return nil
    }
}

/// One binding of the consumer's queue to an exchange.
public struct AMQPBinding: Equatable, Sendable {
    public var exchange: String
    public var routingKey: String
    public var arguments: AMQPFieldTable

    public init(exchange: String, routingKey: String, arguments: AMQPFieldTable = [:]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.arguments = arguments
    }
}
