import EngineIO
import Logging
import Metrics
import NIOCore

/// A Socket.IO v5 server on an Engine.IO server: configured namespaces with their handlers,
/// rooms kept per event loop, and broadcasts that encode a packet once and hand the same bytes
/// to every recipient on every loop.
public final class SocketIOServer: Sendable {
    public let engineIO: EngineIOServer
    public let configuration: SocketIOConfiguration
    private let loopStates: [NIOLoopBound<SocketIOLoopState>]
    /// Connection state recovery's offsets, kept broadcasts and saved sockets; nil when off.
    private let recovery: SocketIORecoveryStore?
    /// `zenith_realtime_broadcasts_total` and `zenith_realtime_emits_total` (one per recipient).
    private let broadcasts = Counter(label: "zenith_realtime_broadcasts_total")
    private let deliveries = Counter(label: "zenith_realtime_emits_total")

    private init(
        engineIO: EngineIOServer, configuration: SocketIOConfiguration, loopStates: [NIOLoopBound<SocketIOLoopState>],
        recovery: SocketIORecoveryStore?
    ) {
        self.engineIO = engineIO
        self.configuration = configuration
        self.loopStates = loopStates
        self.recovery = recovery
    }

    public static func make(
        configuration: SocketIOConfiguration, engineConfiguration: EngineIOConfiguration,
        namespaces: [String: SocketIONamespaceHandler], eventLoops: [EventLoop], logger: Logger,
        recoveryDirectory: SocketIORecoveryDirectory? = nil
    ) async throws -> SocketIOServer {
        var loopStates: [NIOLoopBound<SocketIOLoopState>] = []
        for loop in eventLoops {
            loopStates.append(try await loop.submit { NIOLoopBound(SocketIOLoopState(logger: logger), eventLoop: loop) }.get())
        }
        let states = loopStates
        let recovery = configuration.recovery.map(SocketIORecoveryStore.init)
        let connectionRecovery = recovery.map { store in
            SocketIOConnectionRecovery(store: store, directory: recoveryDirectory ?? store, live: SocketIOLiveSockets())
        }
        let engineIO = try await EngineIOServer.make(
            configuration: engineConfiguration, eventLoops: eventLoops, logger: logger
        ) { session in
            guard let state = states.first(where: { $0.eventLoop === session.eventLoop }) else {
                session.close()
                return
            }
            session.delegate = SocketIOConnection(
                session: session, loopState: state.value, namespaces: namespaces, configuration: configuration,
                recovery: connectionRecovery
            )
        }
        return SocketIOServer(engineIO: engineIO, configuration: configuration, loopStates: loopStates, recovery: recovery)
    }

    /// Sends an event to the matching sockets on every event loop; the future carries how many
    /// sockets it was handed to.
    ///
    /// With recovery on, the event carries its offset as its last argument for the sockets that
    /// keep offsets (as Socket.IO's own server does), and is kept for the sockets that will come
    /// back. The offset is the next of this server's sequence, or `offset` (a cluster's stream
    /// id); a broadcast whose given offset is not after the last one was sent already and is
    /// not sent again (0 recipients).
    public func broadcast(_ broadcast: SocketIOBroadcast, at offset: BroadcastOffset? = nil) -> EventLoopFuture<Int> {
        guard let recovery = self.recovery else {
            return self.deliver(broadcast, BroadcastDelivery(plain: self.plainFrames(broadcast)))
        }
        var recipients: EventLoopFuture<Int>?
        let plain = self.plainFrames(broadcast)
        recovery.record(broadcast, at: offset) { offset in
            plain.appendingOffset(offset)
        } deliver: { withOffset, offset in
            recipients = self.deliver(broadcast, BroadcastDelivery(plain: plain, withOffset: withOffset, offset: offset))
        }
        return recipients ?? self.loopStates[0].eventLoop.makeSucceededFuture(0)
    }

    /// Sends an event without an offset and without keeping it for recovery: a cluster's node
    /// serving its own sockets while Redis, which orders the cluster's broadcasts, is away, and
    /// what each node learns by itself in a cluster (a recovering socket does not get it again).
    public func broadcastUnrecorded(_ broadcast: SocketIOBroadcast) -> EventLoopFuture<Int> {
        self.deliver(broadcast, BroadcastDelivery(plain: self.plainFrames(broadcast)))
    }

    /// Says that broadcasts up to `offset` are not known to this server (a cluster's stream
    /// before it was read, or entries dropped while it could not be read): sockets whose offset
    /// is older are not recovered.
    public func forgetBroadcasts(through offset: BroadcastOffset) {
        self.recovery?.forget(through: offset)
    }

    private func plainFrames(_ broadcast: SocketIOBroadcast) -> EngineIOBroadcastFrames {
        EngineIOBroadcastFrames(
            SocketIOPacket.event(broadcast.event, broadcast.arguments, namespace: broadcast.namespace).engineIOFrames()
        )
    }

    /// Hands `delivery` to the matching sockets of every event loop.
    private func deliver(_ broadcast: SocketIOBroadcast, _ delivery: BroadcastDelivery) -> EventLoopFuture<Int> {
        self.broadcasts.increment()
        var counts: [EventLoopFuture<Int>] = []
        counts.reserveCapacity(self.loopStates.count)
        for state in self.loopStates {
            counts.append(state.eventLoop.submit {
                state.value.existingMembers(of: broadcast.namespace)?
                    .deliver(delivery, to: broadcast.audience, except: broadcast.except) ?? 0
            })
        }
        let first = self.loopStates[0].eventLoop
        let deliveries = self.deliveries
        return EventLoopFuture.reduce(0, counts, on: first, +).map { recipients in
            deliveries.increment(by: Int64(recipients))
            return recipients
        }
    }

    /// What connection state recovery keeps, as bytes to write out when the process stops (nil
    /// when recovery is off); `wallMilliseconds` is the wall clock now.
    public func exportRecovery(wallMilliseconds: Int64) -> ByteBuffer? {
        self.recovery?.exported(wallMilliseconds: wallMilliseconds)
    }

    /// Takes back what a previous process on this node wrote with `exportRecovery`, so that the
    /// sockets its drain dropped can come back; returns how many sockets it holds.
    public func importRecovery(_ buffer: ByteBuffer, wallMilliseconds: Int64) throws -> Int {
        guard let recovery = self.recovery else { return 0 }
        return try recovery.importState(buffer, wallMilliseconds: wallMilliseconds)
    }
}
