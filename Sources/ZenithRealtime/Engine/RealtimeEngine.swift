import EngineIO
import Logging
import NIOCore
import NIOHTTP1
import SocketIO
import ZenithCluster
import ZenithConfig
import ZenithProxy

/// Zenith's realtime engine: the Socket.IO server behind `realtime` routes, configured from
/// `[realtime]`, and the target of the publish API and the event sources.
///
/// In a cluster (`[cluster]`, a `ClusterNode`) its broadcasts also go to the other nodes, theirs
/// come to its sockets, and the requests of sessions other nodes own are sent on to them.
public final class RealtimeEngine: RealtimeEndpoint {
    public let socketIO: SocketIOServer
    /// The watchers, with `[realtime.auth]`; notifications make them poll a scope at once.
    public let watchRegistry: WatchRegistry?
    public let cluster: ClusterNode?
    /// In a cluster with recovery: the counts of this node's broadcasts, known once the stream
    /// is read back.
    private let streamedRecipients: StreamedRecipients?

    /// An engine around a Socket.IO server made elsewhere (conformance mode's own namespaces);
    /// with `cluster`, delivers the other nodes' broadcasts from now on (with recovery, those of
    /// the cluster's stream, this node's included, in the stream's order).
    public init(socketIO: SocketIOServer, watchRegistry: WatchRegistry? = nil, cluster: ClusterNode? = nil) {
        self.socketIO = socketIO
        self.watchRegistry = watchRegistry
        self.cluster = cluster
        let recipients = cluster?.recovery.map { _ in StreamedRecipients() }
        self.streamedRecipients = recipients
        cluster?.start { broadcast in
            _ = recipients == nil ? socketIO.broadcast(broadcast) : socketIO.broadcastUnrecorded(broadcast)
        }
        cluster?.recovery?.start(
            deliver: { broadcast, offset, ownNode in
                let count = socketIO.broadcast(broadcast, at: offset)
                if ownNode, let recipients {
                    count.whenSuccess { recipients.delivered(offset, count: $0) }
                }
            },
            forget: { offset in socketIO.forgetBroadcasts(through: offset) }
        )
        watchRegistry?.attach { [weak self] broadcast in _ = self?.publish(broadcast) }
    }

    /// Builds the engine on `eventLoops` (the proxy's). Every configured namespace is served by
    /// `namespaceHandler` when given, else by session-cookie authentication over `upstreamClient` when
    /// `[realtime.auth]` is configured, else by anonymous room subscriptions.
    /// With `[realtime.auth]`, sockets may also ask for the shared polling watchers of `watches`
    /// (`WatchRequestHandler`).
    public static func make(
        settings: RealtimeSettings, eventLoops: [EventLoop], logger: Logger, upstreamClient: UpstreamClient? = nil,
        watches: [WatchSettings] = [], namespaceHandler: SocketIONamespaceHandler? = nil, cluster: ClusterNode? = nil
    ) async throws -> RealtimeEngine {
        let handler: SocketIONamespaceHandler
        var watchRegistry: WatchRegistry?
        if let given = namespaceHandler {
            handler = given
        } else if let auth = settings.auth, let upstreamClient {
            let authenticator = SessionCookieAuthenticator(settings: auth, client: upstreamClient, logger: logger)
            let authenticated = AuthenticatedRoomHandler(settings: auth, authenticator: authenticator, logger: logger)
            // Also without watches: a `watch` then gets "unknown watch" at once, and the page's
            // own polling need not wait for an answer that never comes.
            let registry = WatchRegistry(
                watches: watches, eventLoops: eventLoops, client: upstreamClient, authenticator: authenticator,
                maxConcurrentPolls: settings.maxConcurrentPolls, logger: logger, cluster: cluster
            )
            watchRegistry = registry
            handler = WatchRequestHandler(base: authenticated, registry: registry, authenticator: authenticator)
        } else {
            handler = RoomSubscriptionHandler()
        }
        let engineConfiguration = EngineIOConfiguration(
            pingInterval: settings.pingInterval, pingTimeout: settings.pingTimeout, maxPayload: settings.maxPayload,
            maxQueuedPackets: settings.maxQueuedPackets,
            origins: Self.originPolicy(settings),
            maxSessionsPerAddress: settings.maxSessionsPerIP, sessionOwner: cluster?.settings.node ?? ""
        )
        let socketConfiguration = SocketIOConfiguration(
            connectTimeout: settings.connectTimeout, maxRoomsPerSocket: settings.maxRoomsPerSocket,
            recovery: settings.recovery > .zero ? SocketIORecoverySettings(maxDisconnectionDuration: settings.recovery) : nil
        )
        var namespaces: [String: SocketIONamespaceHandler] = [:]
        for namespace in settings.namespaces {
            namespaces[namespace] = handler
        }
        let server = try await SocketIOServer.make(
            configuration: socketConfiguration, engineConfiguration: engineConfiguration, namespaces: namespaces,
            eventLoops: eventLoops, logger: logger, recoveryDirectory: cluster?.recovery?.directory
        )
        return RealtimeEngine(socketIO: server, watchRegistry: watchRegistry, cluster: cluster)
    }

    /// With `[realtime.auth]` sockets carry users' cookies, so the default must stop other sites:
    /// the dashboard's own origin, and the listed ones. Anonymous engines (development, demo) keep
    /// accepting any origin unless a list is given.
    static func originPolicy(_ settings: RealtimeSettings) -> OriginPolicy {
        if settings.auth != nil {
            return .list(settings.allowedOrigins ?? [], allowMissing: settings.allowMissingOrigin, allowOwnOrigin: true)
        }
        return settings.allowedOrigins.map { .list($0, allowMissing: settings.allowMissingOrigin) } ?? .any
    }

    /// Drops every realtime session so that clients reconnect once Zenith is back (drain).
    public func dropAllSessions() async {
        await self.socketIO.engineIO.dropAllSessions()
    }

    /// Sends one event to the matching sockets of every event loop, and in a cluster to the other
    /// nodes; the count carried is of this node's recipients only. In a cluster with recovery the
    /// event goes through the cluster's stream (while Redis is away: to this node's sockets only,
    /// without an offset).
    public func publish(_ broadcast: SocketIOBroadcast) -> EventLoopFuture<Int> {
        guard let cluster, let recipients = self.streamedRecipients else {
            self.cluster?.publish(broadcast)
            return self.socketIO.broadcast(broadcast)
        }
        let socketIO = self.socketIO
        return cluster.append(broadcast).flatMap { offset in
            guard let offset else { return socketIO.broadcastUnrecorded(broadcast) }
            return recipients.recipients(of: offset, on: cluster.eventLoop)
        }
    }

    /// Sends one event every node learns by itself (each node consumes its own copy of a
    /// notification), `id` naming it alike on every node. Without a cluster, or without
    /// recovery, to this node's sockets only (the other nodes have their copies). In a cluster
    /// with recovery, the first node to offer its copy puts it in the cluster's stream, which every
    /// node delivers (so it has an offset and is replayed, once) and the others drop theirs;
    /// with no `id`, or while Redis is away, it goes to this node's sockets without an offset.
    public func publishCopy(_ broadcast: SocketIOBroadcast, id: String?) -> EventLoopFuture<Int> {
        guard let cluster, let recipients = self.streamedRecipients else { return self.socketIO.broadcast(broadcast) }
        let socketIO = self.socketIO
        guard let id else { return socketIO.broadcastUnrecorded(broadcast) }
        return cluster.appendOnce(broadcast, id: id).flatMap { outcome in
            switch outcome {
            case .appended(let offset): recipients.recipients(of: offset, on: cluster.eventLoop)
            case .anotherNodes: cluster.eventLoop.makeSucceededFuture(0)
            case .notAppended: socketIO.broadcastUnrecorded(broadcast)
            }
        }
    }

    // MARK: RealtimeEndpoint

    public var maxRequestBodyBytes: Int { self.socketIO.engineIO.configuration.maxPayload }

    /// Engine.IO requests, and Zenith's own scripts below the realtime path.
    public func respond(to request: RealtimeRequest) -> EventLoopFuture<RealtimeResponse> {
        if let script = ClientScripts.response(for: request.head) {
            return request.eventLoop.makeSucceededFuture(script)
        }
        return EngineIOEndpoint(server: self.socketIO.engineIO).respond(to: request)
    }

    public func upgrade(_ request: RealtimeRequest) -> EventLoopFuture<RealtimeUpgradeDecision> {
        EngineIOEndpoint(server: self.socketIO.engineIO).upgrade(request)
    }

    /// Here, unless the request's sid names another live node of the cluster and no node sent
    /// it on already. A sid of a node not known alive is answered here: "Session ID unknown".
    public func placement(of head: HTTPRequestHead) -> RealtimePlacement {
        guard let cluster, head.uri.utf8.contains(UInt8(ascii: "?")),
            !head.headers.contains(name: RealtimePlacement.forwardedByHeader),
            let sid = try? EngineIOHandshakeQuery(uri: head.uri).sid,
            let owner = EngineIOSessionID.owner(of: sid[...]), owner != cluster.settings.node,
            let address = cluster.forwardingAddress(ofNode: owner)
        else { return .local }
        return .peer(address: address, forwardedBy: cluster.settings.node)
    }
}
