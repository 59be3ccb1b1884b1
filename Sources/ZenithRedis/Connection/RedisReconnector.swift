import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Keeps one `RedisConnection` up: connects, and after a failed attempt or a lost connection
/// tries again after `ReconnectBackoff`'s delay, without end until `shutdown()`. `onConnect` runs on
/// each new connection before it counts as up (the subscriber subscribes again there).
///
/// Mutable state is confined to `eventLoop` (every entry point hops there), hence
/// `@unchecked Sendable`; `state` is also kept in a lock for readers on other threads.
final class RedisReconnector: @unchecked Sendable {
    let configuration: RedisConfiguration
    let eventLoop: any EventLoop
    private let logger: Logger
    private let onMessage: (@Sendable (RedisMessage) -> Void)?
    private let onConnect: @Sendable (RedisConnection) -> EventLoopFuture<Void>
    private let onStateChange: (@Sendable (RedisConnectionState) -> Void)?
    private let stateBox = NIOLockedValueBox(RedisConnectionState.connecting)

    // On `eventLoop` only.
    private(set) var connection: RedisConnection?
    /// A connection past AUTH/SELECT whose `onConnect` is still running: what the subscriber
    /// sends a new subscription on, pipelined after the re-subscription.
    private(set) var connecting: RedisConnection?
    private var attempt = 0
    private var retry: Scheduled<Void>?
    private var isShutDown = false
    private var waiters: [EventLoopPromise<Void>] = []

    init(
        configuration: RedisConfiguration, eventLoop: any EventLoop, logger: Logger,
        onMessage: (@Sendable (RedisMessage) -> Void)?,
        onConnect: @escaping @Sendable (RedisConnection) -> EventLoopFuture<Void>,
        onStateChange: (@Sendable (RedisConnectionState) -> Void)?
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.onMessage = onMessage
        self.onConnect = onConnect
        self.onStateChange = onStateChange
        eventLoop.execute { self.connect() }
    }

    var state: RedisConnectionState { stateBox.withLockedValue { $0 } }

    /// Succeeds when the connection is up (at once if it is); fails with the error of the next
    /// attempt that fails, while the reconnector keeps trying.
    func waitUntilUp() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            if self.isShutDown { return self.eventLoop.makeFailedFuture(RedisError.shutDown) }
            if self.connection != nil { return self.eventLoop.makeSucceededVoidFuture() }
            let promise = self.eventLoop.makePromise(of: Void.self)
            self.waiters.append(promise)
            return promise.futureResult
        }
    }

    /// Runs `body` on the current connection, or fails with `RedisError.notConnected`.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        eventLoop.flatSubmit {
            guard let connection = self.connection else {
                return self.eventLoop.makeFailedFuture(self.isShutDown ? RedisError.shutDown : RedisError.notConnected)
            }
            return body(connection)
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.isShutDown = true
            self.retry?.cancel()
            self.retry = nil
            self.setState(.shutDown, error: RedisError.shutDown)
            guard let connection = self.connection else { return self.eventLoop.makeSucceededVoidFuture() }
            self.connection = nil
            return connection.close()
        }
    }

    private func connect() {
        guard !isShutDown else { return }
        let onConnect = self.onConnect
        RedisConnection.connect(configuration, on: eventLoop, onMessage: onMessage)
            .flatMap { connection in
                self.connecting = connection
                return onConnect(connection).map { connection }.flatMapError { error in
                    connection.close().flatMapThrowing { throw error }
                }
            }
            .whenComplete { result in
                self.connecting = nil
                switch result {
                case .success(let connection): self.connected(connection)
                case .failure(let error): self.lost(reason: error)
                }
            }
    }

    private func connected(_ connection: RedisConnection) {
        guard !isShutDown else {
            _ = connection.close()
            return
        }
        self.connection = connection
        attempt = 0
        logger.info("connected to Redis", metadata: ["redis": "\(configuration.redactedURL)"])
        setState(.up, error: nil)
        connection.closeFuture.whenComplete { _ in
            guard self.connection === connection else { return }
            self.connection = nil
            self.lost(reason: RedisError.connectionClosed)
        }
    }

    private func lost(reason error: any Error) {
        guard !isShutDown else { return }
        let delay = configuration.backoff.delay(attempt: attempt)
        attempt += 1
        // The first failure of a run is a warning; the retries that follow (every few seconds
        // for as long as Redis stays away) are debug lines, so an outage does not flood the log.
        logger.log(
            level: attempt == 1 ? .warning : .debug, "Redis is down, retrying",
            metadata: ["redis": "\(configuration.redactedURL)", "error": "\(error)", "retry_in_ms": "\(delay.nanoseconds / 1_000_000)"]
        )
        setState(.down(reason: "\(error)"), error: error)
        retry = eventLoop.scheduleTask(in: delay) { self.connect() }
    }

    private func setState(_ state: RedisConnectionState, error: (any Error)?) {
        let previous = stateBox.withLockedValue { previous in
            defer { previous = state }
            return previous
        }
        let waiters = self.waiters
        self.waiters = []
        for waiter in waiters {
            if let error { waiter.fail(error) } else { waiter.succeed() }
        }
        if previous != state { onStateChange?(state) }
    }
}
