import Logging
import NIOCore
import SocketIO
import ZenithRedis

/// Connection state recovery across the cluster (`[realtime] recovery` with `[cluster]`): the
/// broadcasts in one stream every node delivers from (so offsets mean the same everywhere), and
/// the sockets kept in Redis (so any node finds a socket that comes back, also when its node died).
public final class ClusterRecovery: Sendable {
    /// Where sockets are kept: hand it to the Socket.IO server.
    public let directory: ClusterSocketDirectory
    private let stream: ClusterBroadcastStream
    private let reader: RedisClient
    private let node: String
    private let names: ClusterNames
    private let recovery: Duration

    init(
        redis: RedisConfiguration, commands: RedisClient, names: ClusterNames, node: String, recovery: Duration,
        logger: Logger, metrics: ClusterMetrics
    ) {
        self.reader = RedisClient(configuration: redis, eventLoop: commands.eventLoop, logger: logger)
        self.node = node
        self.names = names
        self.recovery = recovery
        self.directory = ClusterSocketDirectory(commands: commands, names: names, node: node, recovery: recovery)
        self.stream = ClusterBroadcastStream(
            commands: commands, reader: self.reader, names: names, recovery: recovery, logger: logger, metrics: metrics
        )
    }

    /// Appends a broadcast this node produced (`ClusterBroadcast`'s bytes, at most
    /// `ClusterBroadcastStream.maxEntryBytes`) to the cluster's stream; the future carries its
    /// offset. It reaches this node's sockets too when the stream is read back (`start`).
    func append(_ payload: ByteBuffer) -> EventLoopFuture<BroadcastOffset> {
        self.stream.append(payload)
    }

    /// Appends a broadcast every node learns by itself, named `id` alike on every node (a
    /// notification's message id), unless another node's copy is in the stream already (then
    /// nil): so it is delivered and replayed once. Copies are told apart for `recovery`, and at
    /// least 10 minutes (a node's consumer may lag behind the others).
    func appendOnce(_ payload: ByteBuffer, id: String) -> EventLoopFuture<BroadcastOffset?> {
        self.stream.appendOnce(payload, copyKey: self.names.appendedCopyKey(id: id), keep: max(TimeAmount(self.recovery), .minutes(10)))
    }

    /// Marks the sockets a previous process of this node left connected as lost, then reads the
    /// stream: every entry goes to `deliver` with its offset and whether this node produced it;
    /// `forget` gets the offsets before which this node knows no broadcast.
    public func start(
        deliver: @escaping @Sendable (SocketIOBroadcast, BroadcastOffset, _ ownNode: Bool) -> Void,
        forget: @escaping @Sendable (BroadcastOffset) -> Void
    ) {
        let node = self.node
        _ = self.directory.adoptPreviousProcess()
        self.stream.start(deliver: { entry, offset in deliver(entry.broadcast, offset, entry.origin == node) }, forget: forget)
    }

    /// Succeeds once this node has read the cluster's stream up to now (at start it reads
    /// `recovery` back), so that sockets that come back to it get what they missed before it
    /// was there: wait for it (bounded) before listening.
    public var caughtUp: EventLoopFuture<Void> { self.stream.caughtUp }

    /// The heartbeat's upkeep of the stream and of this node's sockets.
    func upkeep(margin: TimeAmount) {
        self.stream.upkeep()
        self.directory.upkeep(margin: margin)
    }

    /// Stops reading and closes the reader's connection.
    func shutdown() async {
        self.stream.stop()
        try? await self.reader.shutdown().get()
    }
}
