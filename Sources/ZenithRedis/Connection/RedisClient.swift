import Logging
import NIOCore

/// Zenith's connection to Redis for commands (keys, leases, `PUBLISH`): one pipelined
/// connection on one event loop, kept up by reconnecting with backoff. Created by whoever needs
/// Redis (the cluster); `shutdown()` before the event loop group goes away.
///
/// Commands sent while the client is down fail at once with `RedisError.notConnected`; commands in
/// flight when the connection drops fail with `RedisError.connectionClosed`. Nothing is retried:
/// only the caller knows whether a command may run twice.
public final class RedisClient: Sendable {
    private let reconnector: RedisReconnector

    /// Starts connecting at once (no waiting: see `waitUntilUp()`). `onStateChange` is called on
    /// `eventLoop` with each change of `state`.
    public init(
        configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger = Logger(label: "zenith.redis"),
        onStateChange: (@Sendable (RedisConnectionState) -> Void)? = nil
    ) {
        reconnector = RedisReconnector(
            configuration: configuration, eventLoop: eventLoop, logger: logger, onMessage: nil,
            onConnect: { $0.eventLoop.makeSucceededVoidFuture() }, onStateChange: onStateChange
        )
    }

    public var eventLoop: any EventLoop { reconnector.eventLoop }

    /// Up, down or connecting, now (readable from any thread).
    public var state: RedisConnectionState { reconnector.state }

    /// Succeeds once connected (at once if up); fails with the error of the next failed attempt
    /// (the wrong password, a refused connection…) while the client keeps retrying.
    public func waitUntilUp() -> EventLoopFuture<Void> {
        reconnector.waitUntilUp()
    }

    /// Sends one command; pipelined with the others in flight. Fails with `RedisError.reply` when
    /// Redis answers with an error.
    public func send(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        reconnector.withConnection { $0.send(command) }
    }

    /// `send(RESPCommand(name, arguments...))`.
    public func send(_ name: String, _ arguments: String...) -> EventLoopFuture<RESPValue> {
        send(RESPCommand(arguments: [.text(name)] + arguments.map(RESPCommand.Argument.text)))
    }

    /// `send(_:)` for async callers.
    public func execute(_ command: RESPCommand) async throws -> RESPValue {
        try await send(command).get()
    }

    /// Closes the connection and stops reconnecting.
    public func shutdown() -> EventLoopFuture<Void> {
        reconnector.shutdown()
    }
}
