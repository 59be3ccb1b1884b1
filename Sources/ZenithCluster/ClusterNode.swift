import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import ZenithConfig
import ZenithRedis

/// This process as one node of a Zenith cluster (`[cluster]`): it sends the broadcasts it
/// produces to the other nodes over Redis pub/sub, delivers theirs to its own sockets, and keeps
/// track of which nodes are alive and where they are reached (for the sessions they own).
///
/// Redis going away never stops the node: its own sockets are still served (broadcasts produced
/// here are delivered here; the other nodes miss them until Redis is back), the connections come
/// back by themselves with backoff and jitter, and `problems` says what is down.
public final class ClusterNode: Sendable {
    public let settings: ClusterSettings
    public let names: ClusterNames
    private let logger: Logger
    let commands: RedisClient
    private let subscriber: RedisSubscriber
    private let inbox: ClusterInbox
    private let peers: NIOLockedValueBox<ClusterPeers>
    private let deliver: BroadcastRelay
    private let heartbeat: NIOLockedValueBox<RepeatedTask?>
    /// Whether the last broadcast could not be sent, so that an outage is logged once, not per broadcast.
    private let publishing = NIOLockedValueBox(PublishHealth.ok)
    private let metrics = ClusterMetrics()
    /// With connection state recovery on: the broadcast stream and the sockets kept in Redis.
    public let recovery: ClusterRecovery?

    /// How often this node says `up`; a node silent for `3 × heartbeatInterval + 1 s` is forgotten.
    public static let heartbeatInterval = TimeAmount.seconds(2)

    /// Connects to Redis at once (without waiting: see `waitUntilUp()`); nothing is delivered
    /// until `start(deliveringTo:)`. Emitters' broadcasts are taken for `namespaces` only. With
    /// `recovery` above zero, the node's broadcasts go through the cluster's stream (`recovery`)
    /// instead of pub/sub.
    public init(
        settings: ClusterSettings, namespaces: Set<String>, eventLoop: any EventLoop, logger: Logger, recovery: Duration = .zero
    ) throws(RedisConfigurationError) {
        var redis = try RedisConfiguration(url: settings.redis, passwordFile: settings.passwordFile)
        if redis.tls != nil, let caFile = settings.caFile {
            redis.tls?.caFile = caFile
        }
        let names = ClusterNames(prefix: settings.prefix)
        let inbox = ClusterInbox(
            ownNode: settings.node, names: names, pythonChannel: settings.pythonChannel, emitterKey: settings.emitterKey,
            namespaces: namespaces
        )
        let peers = NIOLockedValueBox(
            ClusterPeers(ownNode: settings.node, expiry: Self.heartbeatInterval * 3 + .seconds(1))
        )
        let metrics = self.metrics
        self.settings = settings
        self.names = names
        self.logger = logger
        self.inbox = inbox
        self.peers = peers
        self.deliver = BroadcastRelay()
        self.heartbeat = NIOLockedValueBox(nil)
        self.commands = RedisClient(configuration: redis, eventLoop: eventLoop, logger: logger) { state in
            metrics.redisStateChanged(state, connection: .commands, logger: logger)
        }
        self.recovery = recovery > .zero
            ? ClusterRecovery(
                redis: redis, commands: self.commands, names: names, node: settings.node, recovery: recovery, logger: logger,
                metrics: metrics
            ) : nil
        let deliver = self.deliver
        let announceSelf = ClusterAnnouncement(node: settings.node, advertise: settings.advertise, word: .hello)
        let commands = self.commands
        self.subscriber = RedisSubscriber(
            configuration: redis, eventLoop: eventLoop, logger: logger,
            onStateChange: { state in
                metrics.redisStateChanged(state, connection: .subscriber, logger: logger)
                // After every (re)subscription: ask the others to say where they are, since
                // their heartbeats while this node was away were lost.
                if state == .up {
                    Self.announce(announceSelf, on: commands, names: names)
                }
            },
            onMessage: { message in
                Self.handle(
                    inbox.sort(message), peers: peers, deliver: deliver, commands: commands, settings: settings,
                    names: names, metrics: metrics, logger: logger
                )
            }
        )
    }

    /// Subscribes, then delivers the other nodes' broadcasts with `deliver` (on the subscriber's
    /// event loop: `deliver` must not block) and says `up` every heartbeat.
    public func start(deliveringTo deliver: @escaping @Sendable (SocketIOBroadcast) -> Void) {
        self.deliver.set(deliver)
        _ = self.subscriber.subscribe(channels: self.inbox.channels)
        _ = self.subscriber.subscribe(patterns: self.inbox.patterns)
        let up = ClusterAnnouncement(node: self.settings.node, advertise: self.settings.advertise, word: .up)
        let (commands, names, peers, metrics, logger) = (self.commands, self.names, self.peers, self.metrics, self.logger)
        let recovery = self.recovery
        let task = self.commands.eventLoop.scheduleRepeatedTask(initialDelay: Self.heartbeatInterval, delay: Self.heartbeatInterval) {
            _ in
            Self.announce(up, on: commands, names: names)
            recovery?.upkeep(margin: Self.heartbeatInterval * 3)
            let changes = peers.withLockedValue { $0.expire(at: .now()) }
            for change in changes {
                logger.notice("cluster node not heard from: forgotten", metadata: ["node": "\(change)"])
            }
            metrics.peers(peers.withLockedValue { $0.names.count })
        }
        self.heartbeat.withLockedValue { $0 = task }
    }

    /// The event loop of the node's connections to Redis.
    public var eventLoop: any EventLoop { self.commands.eventLoop }

    /// Succeeds once both connections to Redis are up (tests and start-up logs).
    public func waitUntilUp() -> EventLoopFuture<Void> {
        self.commands.waitUntilUp().and(self.subscriber.waitUntilUp()).map { _ in }
    }

    /// Sends a broadcast produced on this node to the other nodes (this node's own sockets are
    /// served by the caller, without a Redis round trip). When Redis is down it is lost for the
    /// other nodes, counted and logged.
    public func publish(_ broadcast: SocketIOBroadcast) {
        self.publish(payload: ClusterBroadcast(origin: self.settings.node, broadcast: broadcast).encoded())
    }

    private func publish(payload: ByteBuffer) {
        let command = RESPCommand(arguments: [.text("PUBLISH"), .text(self.names.broadcastChannel), .bytes(payload)])
        self.commands.send(command).whenComplete { self.published($0.map { _ in }) }
    }

    /// With recovery on: appends a broadcast produced on this node to the cluster's stream, from
    /// which every node, this one included, delivers it; the future carries its offset. Nil: the
    /// caller serves this node's sockets itself, without an offset; Redis is down (counted and
    /// logged), or the broadcast is larger than a stream entry may be
    /// (`ClusterBroadcastStream.maxEntryBytes`) and goes to the other nodes by pub/sub.
    public func append(_ broadcast: SocketIOBroadcast) -> EventLoopFuture<BroadcastOffset?> {
        guard let recovery = self.recovery else { return self.commands.eventLoop.makeSucceededFuture(nil) }
        let payload = ClusterBroadcast(origin: self.settings.node, broadcast: broadcast).encoded()
        guard payload.readableBytes <= ClusterBroadcastStream.maxEntryBytes else {
            self.publish(payload: payload)
            return self.commands.eventLoop.makeSucceededFuture(nil)
        }
        return recovery.append(payload).map { offset -> BroadcastOffset? in
            self.published(.success(()))
            return offset
        }.recover { error in
            self.published(.failure(error))
            return nil
        }
    }

    /// With recovery on: appends this node's copy of a broadcast every node learns by itself,
    /// named `id` alike on every node (a notification's message id), unless another node's
    /// copy is in the stream already; counted and logged as `append`.
    public func appendOnce(_ broadcast: SocketIOBroadcast, id: String) -> EventLoopFuture<CopyAppend> {
        let payload = ClusterBroadcast(origin: self.settings.node, broadcast: broadcast).encoded()
        guard let recovery = self.recovery, payload.readableBytes <= ClusterBroadcastStream.maxEntryBytes else {
            return self.commands.eventLoop.makeSucceededFuture(.notAppended)
        }
        return recovery.appendOnce(payload, id: id).map { offset -> CopyAppend in
            self.published(.success(()))
            return offset.map(CopyAppend.appended) ?? .anotherNodes
        }.recover { error in
            self.published(.failure(error))
            return .notAppended
        }
    }

    /// What became of a node's copy of an event every node learns by itself.
    public enum CopyAppend: Sendable, Equatable {
        /// This node's copy is in the cluster's stream, under this offset.
        case appended(BroadcastOffset)
        /// Another node's copy is: this node's sockets get that one.
        case anotherNodes
        /// Redis cannot be asked, or the copy is larger than a stream entry may be: this node's
        /// sockets get this node's copy, without an offset.
        case notAppended
    }

    /// Counts a broadcast sent to Redis (or not) and logs an outage's start and end once.
    private func published(_ result: Result<Void, any Error>) {
        switch result {
        case .success:
            self.metrics.published(ok: true)
            if self.publishing.withLockedValue({ $0.exchange(.ok) }) == .failing {
                self.logger.notice("broadcasts reach the other nodes again")
            }
        case .failure(let error):
            self.metrics.published(ok: false)
            if self.publishing.withLockedValue({ $0.exchange(.failing) }) == .ok {
                self.logger.warning(
                    "broadcasts do not reach the other nodes until Redis is back (counted in zenith_cluster_broadcasts_total)",
                    metadata: ["error": "\(error)"]
                )
            }
        }
    }

    /// Where the node named `node` is reached, if it is alive as far as this node knows; counted
    /// as a forward when it is (the caller sends the request there).
    public func forwardingAddress(ofNode node: Substring) -> HostAndPort? {
        let address = self.peers.withLockedValue { $0.address(of: node) }
        if address != nil {
            self.metrics.forwarded()
        }
        return address
    }

    /// What is down now, for `/readyz` (empty when both connections to Redis are up).
    public var problems: [String] {
        [("commands", self.commands.state), ("subscriber", self.subscriber.state)].compactMap { name, state in
            switch state {
            case .up: return nil
            case .connecting: return "cluster: Redis \(name) connection not up yet"
            case .down(let reason): return "cluster: Redis \(name) connection down (\(reason)); this node serves its own sockets only"
            case .shutDown: return "cluster: stopped"
            }
        }
    }

    /// Says `down` (so the others stop sending this node's sessions here at once), stops the
    /// heartbeat and closes both connections.
    public func shutdown() async {
        self.heartbeat.withLockedValue { $0?.cancel() }
        let down = ClusterAnnouncement(node: self.settings.node, advertise: self.settings.advertise, word: .down)
        let command = RESPCommand(arguments: [.text("PUBLISH"), .text(self.names.membershipChannel), .bytes(down.encoded())])
        _ = try? await self.commands.send(command).get()
        await self.recovery?.shutdown()
        try? await self.subscriber.shutdown().get()
        try? await self.commands.shutdown().get()
    }

    // MARK: Messages

    private static func announce(_ announcement: ClusterAnnouncement, on commands: RedisClient, names: ClusterNames) {
        _ = commands.send(
            RESPCommand(arguments: [.text("PUBLISH"), .text(names.membershipChannel), .bytes(announcement.encoded())])
        )
    }

    private static func handle(
        _ item: ClusterInbox.Item, peers: NIOLockedValueBox<ClusterPeers>,
        deliver: BroadcastRelay, commands: RedisClient,
        settings: ClusterSettings, names: ClusterNames, metrics: ClusterMetrics, logger: Logger
    ) {
        switch item {
        case .deliver(let broadcast, let source):
            if deliver.relay(broadcast) {
                metrics.received(source)
            }
        case .announcement(let announcement):
            if announcement.node == settings.node {
                if announcement.advertise != settings.advertise {
                    logger.error(
                        "another node uses this node's name: sessions may be sent to the wrong node",
                        metadata: ["node": "\(settings.node)", "other": "\(announcement.advertise)"]
                    )
                }
                return
            }
            let change = peers.withLockedValue { $0.hear(announcement, at: .now()) }
            if let change {
                logger.info("cluster membership changed", metadata: ["change": "\(change)"])
                metrics.peers(peers.withLockedValue { $0.names.count })
            }
            if announcement.word == .hello {
                Self.announce(ClusterAnnouncement(node: settings.node, advertise: settings.advertise, word: .up), on: commands, names: names)
            }
        case .drop(let reason, let invalid):
            guard invalid else { return }
            metrics.dropped()
            logger.notice("cluster message dropped", metadata: ["reason": "\(reason)"])
        }
    }
}

/// Whether a node's broadcasts reach Redis, for logging an outage's start and end once.
private enum PublishHealth: Sendable {
    case ok, failing

    /// Sets the new value and returns the old one.
    mutating func exchange(_ new: PublishHealth) -> PublishHealth {
        defer { self = new }
        return self
    }
}
