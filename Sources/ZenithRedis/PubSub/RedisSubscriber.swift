import Logging
import NIOCore

/// Zenith's subscribing connection to Redis (a connection in pub/sub mode can send nothing but
/// subscription commands, so it is separate from `RedisClient`). Channels and patterns are kept
/// here and subscribed again after every reconnect.
///
/// `onMessage` is called on `eventLoop` for each `message` and `pmessage`, in the order Redis
/// sent them, straight from the read: nothing is queued in between, so memory stays within the
/// reply bounds, and the handler must not block (hand heavy work to another loop or task).
/// Messages published while the subscriber is down are lost (pub/sub has no history).
public final class RedisSubscriber: Sendable {
    private let reconnector: RedisReconnector
    private let subscriptions: Subscriptions

    /// Starts connecting at once; subscriptions made before the connection is up are sent when it is.
    public init(
        configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger = Logger(label: "zenith.redis"),
        onStateChange: (@Sendable (RedisConnectionState) -> Void)? = nil,
        onMessage: @escaping @Sendable (RedisMessage) -> Void
    ) {
        let subscriptions = Subscriptions()
        self.subscriptions = subscriptions
        reconnector = RedisReconnector(
            configuration: configuration, eventLoop: eventLoop, logger: logger, onMessage: onMessage,
            onConnect: { connection in
                connection.send(.subscribe, subscriptions.channels.sorted())
                    .and(connection.send(.psubscribe, subscriptions.patterns.sorted()))
                    .map { _ in }
            },
            onStateChange: onStateChange
        )
    }

    public var eventLoop: any EventLoop { reconnector.eventLoop }

    /// Up, down or connecting, now (readable from any thread).
    public var state: RedisConnectionState { reconnector.state }

    /// Succeeds once connected and subscribed; fails with the error of the next failed attempt.
    public func waitUntilUp() -> EventLoopFuture<Void> {
        reconnector.waitUntilUp()
    }

    /// Subscribes to `channels` (`SUBSCRIBE`): succeeds once Redis confirmed them, or at once when
    /// down (they are subscribed on the next connection).
    public func subscribe(channels: [String]) -> EventLoopFuture<Void> {
        change(.subscribe, channels) { $0.channels.formUnion(channels) }
    }

    /// Subscribes to the glob-style `patterns` (`PSUBSCRIBE`).
    public func subscribe(patterns: [String]) -> EventLoopFuture<Void> {
        change(.psubscribe, patterns) { $0.patterns.formUnion(patterns) }
    }

    public func unsubscribe(channels: [String]) -> EventLoopFuture<Void> {
        change(.unsubscribe, channels) { $0.channels.subtract(channels) }
    }

    public func unsubscribe(patterns: [String]) -> EventLoopFuture<Void> {
        change(.punsubscribe, patterns) { $0.patterns.subtract(patterns) }
    }

    /// Closes the connection and stops reconnecting.
    public func shutdown() -> EventLoopFuture<Void> {
        reconnector.shutdown()
    }

    private func change(
        _ kind: RedisSubscriptionKind, _ names: [String], _ update: @escaping @Sendable (Subscriptions) -> Void
    ) -> EventLoopFuture<Void> {
        let reconnector = self.reconnector
        let subscriptions = self.subscriptions
        return eventLoop.flatSubmit {
            update(subscriptions)
            guard let connection = reconnector.connection ?? reconnector.connecting else { return reconnector.eventLoop.makeSucceededVoidFuture() }
            return connection.send(kind, names)
        }
    }
}

/// The channels and patterns a subscriber wants, on its event loop only.
private final class Subscriptions: @unchecked Sendable {
    var channels: Set<String> = []
    var patterns: Set<String> = []
}
