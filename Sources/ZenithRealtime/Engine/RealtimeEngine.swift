import EngineIO
import Logging
import NIOCore
import SocketIO
import ZenithConfig
import ZenithProxy

/// Zenith's realtime engine: the Socket.IO server behind `realtime` routes, configured from
/// `[realtime]`, and the target of the publish API and the event sources.
public final class RealtimeEngine: RealtimeEndpoint {
    public let socketIO: SocketIOServer

    /// An engine around a Socket.IO server made elsewhere (conformance mode's own namespaces).
    public init(socketIO: SocketIOServer) {
        self.socketIO = socketIO
    }

    /// Builds the engine on `eventLoops` (the proxy's). Every configured namespace is served by
    /// `namespaceHandler` when given, else by session-cookie authentication over `upstreamClient` when
    /// `[realtime.auth]` is configured, else by anonymous room subscriptions.
    /// With `[realtime.auth]`, sockets may also ask for the shared polling watchers of `watches`
    /// (`WatchRequestHandler`).
    public static func make(
        settings: RealtimeSettings, eventLoops: [EventLoop], logger: Logger, upstreamClient: UpstreamClient? = nil,
        watches: [WatchSettings] = [], namespaceHandler: SocketIONamespaceHandler? = nil
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
                maxConcurrentPolls: settings.maxConcurrentPolls, logger: logger
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
            maxSessionsPerAddress: settings.maxSessionsPerIP
        )
        let socketConfiguration = SocketIOConfiguration(
            connectTimeout: settings.connectTimeout, maxRoomsPerSocket: settings.maxRoomsPerSocket
        )
        var namespaces: [String: SocketIONamespaceHandler] = [:]
        for namespace in settings.namespaces {
            namespaces[namespace] = handler
        }
        let server = try await SocketIOServer.make(
            configuration: socketConfiguration, engineConfiguration: engineConfiguration, namespaces: namespaces,
            eventLoops: eventLoops, logger: logger
        )
        watchRegistry?.attach(server)
        return RealtimeEngine(socketIO: server)
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

    /// Sends one event to the matching sockets of every event loop; carries the recipient count.
    public func publish(_ broadcast: SocketIOBroadcast) -> EventLoopFuture<Int> {
        self.socketIO.broadcast(broadcast)
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
}
