import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import ZenithAMQP
import ZenithConfig
import ZenithJSON

/// Consumes OpenStack's notifications from the message bus of `[notifications]` and pushes what
/// the `[[notify]]` rules make of them to the realtime engine (issue 15). Owned by `zenith run`,
/// which starts it once the listeners are bound and stops it before draining.
///
/// Each Zenith process declares its own exclusive, auto-delete queues (named by the broker, so
/// never the `notifications.info` queues Ceilometer reads), bound to `<topic>.info` and
/// `<topic>.error`: every node of a cluster gets every notification and pushes to its own
/// sockets (never through the cluster's publish, which would repeat it once per node). One
/// connection and queue per exchange: the exchanges are only checked (passive declares), and
/// oslo's are transient, so after a broker restart each exists again only once its service sends
/// its next notification; a quiet service must not hold the others up.
///
/// Each delivery is decoded and routed; its pushes go to the rule's room in every configured
/// namespace, rules with `watch` make that watcher poll the room's scope soon, and the delivery is
/// acked once the engine has taken the pushes (also when nothing matched); a body that is not a
/// notification is rejected without requeue. Counted in `NotificationMetrics`; each kind of
/// malformed message and each rule's unfillable room is logged once. After an exchange's
/// connection was down, every watched scope of its rules' watchers is polled once, so changes
/// announced meanwhile still reach the browsers.
public final class NotificationConsumer: Sendable {
    private struct BusState {
        /// Kinds of problems already logged.
        var reported: Set<String> = []
        /// Exchanges whose connection is down now, with the last error.
        var down: [String: String] = [:]
        /// Exchanges that were down since they last consumed.
        var recovering: Set<String> = []
    }

    private let router: NotificationRouter
    /// The `watch` of each rule that has one, by rule name.
    private let watchOfRule: [String: String]
    /// The watchers to poll once when an exchange's connection is back.
    private let watchesOfExchange: [String: [String]]
    private let namespaces: [String]
    private let engine: RealtimeEngine
    private let metrics: NotificationMetrics
    private let logger: Logger
    private let maxMessageBytes: Int
    private let state = NIOLockedValueBox(BusState())
    private let consumers = NIOLockedValueBox<[AMQPConsumer]>([])

    /// Makes the consumer (not started). Reads the CA file of a `?ssl=1` URL now; throws when the
    /// rules or the CA file are unusable.
    public init(
        settings: NotificationSettings, rules: [NotifySettings], engine: RealtimeEngine, namespaces: [String],
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) throws {
        self.router = NotificationRouter(rules: try rules.map { settings throws in try NotificationRule(settings: settings) })
        self.watchOfRule = Dictionary(uniqueKeysWithValues: rules.compactMap { rule in rule.watch.map { (rule.name, $0) } })
        let exchanges = Self.exchanges(of: rules)
        self.watchesOfExchange = Dictionary(uniqueKeysWithValues: exchanges.map { exchange in
            (exchange, Array(Set(rules.filter { $0.exchange == exchange }.compactMap(\.watch))).sorted())
        })
        self.namespaces = namespaces
        self.engine = engine
        self.metrics = NotificationMetrics(rules: rules.map(\.name), exchanges: exchanges)
        self.logger = logger
        self.maxMessageBytes = settings.maxMessageBytes
        let consumers = try exchanges.map { exchange in
            try AMQPConsumer(
                configuration: Self.amqpConfiguration(settings, exchange: exchange, rules: rules),
                eventLoopGroup: eventLoopGroup, logger: Self.logger(logger, exchange: exchange),
                onStateChange: { [weak self] state in self?.stateChanged(state, exchange: exchange) },
                onDelivery: { [weak self] delivery in
                    guard let self else { return delivery.reject(requeue: true) }
                    self.handle(delivery)
                }
            )
        }
        self.consumers.withLockedValue { $0 = consumers }
    }

    /// `logger` with the exchange in every line (the consumer's own lines name only the broker).
    private static func logger(_ logger: Logger, exchange: String) -> Logger {
        var logger = logger
        logger[metadataKey: "exchange"] = "\(exchange)"
        return logger
    }

    /// The exchanges of `rules`, in rule order.
    static func exchanges(of rules: [NotifySettings]) -> [String] {
        var exchanges: [String] = []
        for rule in rules where !exchanges.contains(rule.exchange) {
            exchanges.append(rule.exchange)
        }
        return exchanges
    }

    /// The queue, its bindings and the limits of the connection for `exchange`.
    static func amqpConfiguration(_ settings: NotificationSettings, exchange: String, rules: [NotifySettings]) -> AMQPConsumerConfiguration {
        var bindings: [AMQPBinding] = []
        for rule in rules where rule.exchange == exchange {
            for key in rule.routingKeys where !bindings.contains(where: { $0.routingKey == key }) {
                bindings.append(AMQPBinding(exchange: exchange, routingKey: key))
            }
        }
        return AMQPConsumerConfiguration(
            transportURL: settings.transportURL, caFile: settings.caFile, exchanges: [exchange],
            queue: AMQPQueueDeclare(queue: "", exclusive: true, autoDelete: true), bindings: bindings,
            prefetch: UInt16(settings.prefetch), heartbeat: TimeAmount(settings.heartbeat),
            maximumBodySize: UInt64(settings.maxMessageBytes), connectionName: "zenith notifications \(exchange)"
        )
    }

    /// Starts connecting; returns at once.
    public func start() {
        for consumer in self.consumers.withLockedValue({ $0 }) {
            consumer.start()
        }
    }

    /// Stops consuming; unacknowledged deliveries go back to the (then deleted) queues.
    public func stop() async {
        for consumer in self.consumers.withLockedValue({ $0 }) {
            await consumer.stop()
        }
    }

    /// What `/readyz` should say about the bus, or nil while every exchange is consumed. The bus
    /// being down does not make the node unready: watchers still poll at their own pace, and
    /// every node shares the bus, so failing readiness would take the whole service out for a
    /// degraded push.
    public var readinessNote: String? {
        self.state.withLockedValue { state in
            guard !state.down.isEmpty else { return nil }
            let exchanges = state.down.keys.sorted().map { "\($0) (\(state.down[$0]!))" }.joined(separator: ", ")
            return "notifications: message bus unreachable for exchange \(exchanges); watchers poll at their own interval"
        }
    }

    // MARK: On the consumers' event loops

    private func stateChanged(_ consumerState: AMQPConsumer.State, exchange: String) {
        switch consumerState {
        case .consuming:
            self.metrics.consumerUp(exchange: exchange).record(1)
            let recovered = self.state.withLockedValue { state in
                state.down[exchange] = nil
                return state.recovering.remove(exchange) != nil
            }
            guard recovered else { return }
            // Changes announced while the exchange was not consumed are lost with the old queue:
            // poll every watched scope once so the browsers see them.
            for watch in self.watchesOfExchange[exchange] ?? [] {
                self.engine.watchRegistry?.pollSoon(watch: watch, scope: nil)
            }
        case .down(let error, _):
            self.metrics.consumerUp(exchange: exchange).record(0)
            self.state.withLockedValue { state in
                state.down[exchange] = "\(error)"
                state.recovering.insert(exchange)
            }
        case .connecting, .stopped:
            break
        }
    }

    private func handle(_ delivery: AMQPDelivery) {
        let notification: OsloNotification
        do throws(OsloNotification.Malformed) {
            notification = try OsloNotification(decoding: delivery.body, maximumSize: self.maxMessageBytes)
        } catch {
            self.metrics.count(.malformed)
            self.logOnce(
                "malformed " + error.kind, "notification rejected (further ones of this kind are not logged)",
                ["reason": "\(error)", "exchange": "\(delivery.exchange)", "routing_key": "\(delivery.routingKey)"]
            )
            delivery.reject(requeue: false)
            return
        }
        let routing = self.router.route(notification)
        for skip in routing.skipped {
            self.metrics.count(.noRoom, rule: skip.rule)
            self.logOnce("no room " + skip.rule, "notification dropped: no room (further ones of this rule are not logged)", ["reason": "\(skip)"])
        }
        if routing.pushes.isEmpty && routing.skipped.isEmpty {
            self.metrics.count(.unmatched)
            self.logger.debug("notification matches no rule", metadata: ["event_type": "\(notification.eventType)"])
        }
        var handed: [EventLoopFuture<Int>] = []
        for (index, push) in routing.pushes.enumerated() {
            self.metrics.count(.pushed, rule: push.rule)
            for namespace in self.namespaces {
                // Every node consumes every notification from its own queue: a copy, delivered
                // once in the cluster (`publishCopy`), named by the message id and the push.
                handed.append(self.engine.publishCopy(
                    SocketIOBroadcast(namespace: namespace, to: .rooms([push.room]), event: push.event, arguments: [push.data]),
                    id: notification.messageID.flatMap { $0.utf8.count <= 128 ? "\($0):\(index):\(namespace)" : nil }
                ))
            }
            if let watch = self.watchOfRule[push.rule] {
                self.engine.watchRegistry?.pollSoon(watch: watch, scope: push.room)
            }
        }
        guard let first = handed.first else { return delivery.ack() }
        // Ack once every event loop has taken the event, so that prefetch bounds the work in flight.
        EventLoopFuture.whenAllComplete(handed, on: first.eventLoop).whenComplete { _ in delivery.ack() }
    }

    private func logOnce(_ kind: String, _ message: Logger.Message, _ metadata: Logger.Metadata) {
        let first = self.state.withLockedValue { $0.reported.insert(kind).inserted }
        if first {
            self.logger.warning(message, metadata: metadata)
        }
    }
}
