import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A long-lived consumer of one queue: connects to the first reachable broker of the transport
/// URL, declares its topology (passive exchange declares, the queue, its bindings, qos) and
/// consumes; after any failure it reconnects with backoff and jitter, rotating through the
/// hosts, and declares everything again. Deliveries go to `onDelivery` on the connection's event
/// loop (never block there: hand heavy work elsewhere and settle later, from any thread).
/// `onStateChange` hears every change of `state`, also on that loop.
///
/// Owned by whoever starts it; `stop()` ends it (the broker requeues unsettled deliveries).
public final class AMQPConsumer: Sendable {
    /// Where the consumer is in its life.
    public enum State: Equatable, Sendable, CustomStringConvertible {
        /// Connecting and negotiating with this broker.
        case connecting(AMQPTransportURL.Host)
        /// Set up and receiving deliveries from `queue` (its name as the broker knows it).
        case consuming(queue: String, consumerTag: String)
        /// The last connection failed or ended with `error`; the next attempt starts after `retryIn`.
        case down(AMQPConsumerError, retryIn: TimeAmount)
        /// `stop()` was called; no more deliveries.
        case stopped

        public var description: String {
            switch self {
            case .connecting(let host): "connecting to \(host)"
            case .consuming(let queue, _): "consuming from \(queue)"
            case .down(let error, let delay): "down (\(error)); retrying in \(delay.nanoseconds / 1_000_000) ms"
            case .stopped: "stopped"
            }
        }
    }

    private struct Inner {
        var state: State?
        var started = false
        var stopped = false
        var failures = 0
        var nextHost = 0
        var handler: NIOLoopBound<AMQPConnectionHandler>?
        var retry: Scheduled<Void>?
        var stoppedPromises: [EventLoopPromise<Void>] = []
    }

    private let configuration: AMQPConsumerConfiguration
    private let eventLoop: any EventLoop
    private let tls: NIOSSLContext?
    private let logger: Logger
    private let onDelivery: @Sendable (AMQPDelivery) -> Void
    private let onStateChange: @Sendable (State) -> Void
    private let inner = NIOLockedValueBox(Inner())

    /// Makes a consumer (not started). With `ssl=1` in the URL, reads `configuration.caFile` now
    /// (so call this off the event loop); throws when the configuration or the CA file is unusable.
    public init(
        configuration: AMQPConsumerConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        onStateChange: @escaping @Sendable (State) -> Void = { _ in },
        onDelivery: @escaping @Sendable (AMQPDelivery) -> Void
    ) throws {
        if let problem = configuration.validate() { throw AMQPConsumerError.negotiationFailed(problem) }
        self.configuration = configuration
        self.eventLoop = eventLoopGroup.next()
        self.logger = logger
        self.onDelivery = onDelivery
        self.onStateChange = onStateChange
        if configuration.transportURL.useTLS {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            if let caFile = configuration.caFile {
                tlsConfiguration.trustRoots = .file(caFile)
            }
            self.tls = try NIOSSLContext(configuration: tlsConfiguration)
        } else {
            self.tls = nil
        }
    }

    /// The current state (nil before `start()`).
    public var state: State? { inner.withLockedValue { $0.state } }

    /// Starts connecting; returns at once. Calling it again does nothing.
    public func start() {
        let first = inner.withLockedValue { inner in
            defer { inner.started = true }
            return !inner.started && !inner.stopped
        }
        guard first else { return }
        eventLoop.execute { self.connect() }
    }

    /// Stops consuming and closes the connection; returns when the socket is closed.
    public func stop() async {
        try? await beginStopping().get()
    }

    /// Stops without waiting: the future completes when the socket is closed.
    public func beginStopping() -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        eventLoop.execute {
            let (handler, retry) = self.inner.withLockedValue { inner in
                inner.stopped = true
                inner.stoppedPromises.append(promise)
                return (inner.handler, inner.retry)
            }
            retry?.cancel()
            if let handler {
                handler.value.close()
            } else {
                self.finishStopping()
            }
        }
        return promise.futureResult
    }

    // MARK: on the event loop

    private func connect() {
        eventLoop.preconditionInEventLoop()
        let (stopped, host): (Bool, AMQPTransportURL.Host) = inner.withLockedValue { inner in
            let hosts = configuration.transportURL.hosts
            return (inner.stopped, hosts[inner.nextHost % hosts.count])
        }
        guard !stopped else { return finishStopping() }
        setState(.connecting(host))
        logger.info("AMQP connecting", metadata: ["broker": "\(host)"])
        let events = AMQPConnectionHandler.Events(
            consuming: { [self] queue, tag in
                inner.withLockedValue { $0.failures = 0 }
                logger.info("AMQP consuming", metadata: ["broker": "\(host)", "queue": "\(queue)"])
                setState(.consuming(queue: queue, consumerTag: tag))
            },
            delivery: onDelivery,
            closed: { [self] error in connectionEnded(error) })
        let handler = AMQPConnectionHandler(configuration: configuration, host: host, logger: logger, events: events)
        let bound = NIOLoopBound(handler, eventLoop: eventLoop)
        inner.withLockedValue { $0.handler = bound }
        let tls = self.tls
        let frameMax = configuration.frameMax
        ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let sni = Self.isIPAddress(host.host) ? nil : host.host
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sni))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AMQPFrameDecoder(maximumFrameSize: frameMax)))
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(host: host.host, port: host.port)
            .whenFailure { [self] error in
                connectionEnded(.transport("\(error)"))
            }
    }

    private func connectionEnded(_ error: AMQPConsumerError?) {
        eventLoop.preconditionInEventLoop()
        let (stopped, failures) = inner.withLockedValue { inner in
            inner.handler = nil
            inner.failures += 1
            inner.nextHost += 1
            return (inner.stopped, inner.failures)
        }
        guard !stopped else { return finishStopping() }
        let error = error ?? .transport("connection closed")
        let delay = configuration.reconnectBackoff.delay(attempt: failures - 1)
        // The first failure of a run is a warning, the retries that follow are debug lines: an
        // outage of the broker must not flood the log.
        logger.log(
            level: failures == 1 ? .warning : .debug, "AMQP connection down",
            metadata: ["error": "\(error)", "retry_ms": "\(delay.nanoseconds / 1_000_000)"]
        )
        setState(.down(error, retryIn: delay))
        let retry = eventLoop.scheduleTask(in: delay) { [self] in connect() }
        inner.withLockedValue { $0.retry = retry }
    }

    private func finishStopping() {
        let promises = inner.withLockedValue { inner in
            defer { inner.stoppedPromises = [] }
            return inner.stoppedPromises
        }
        if state != .stopped { setState(.stopped) }
        for promise in promises { promise.succeed() }
    }

    private func setState(_ state: State) {
        inner.withLockedValue { $0.state = state }
        onStateChange(state)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
