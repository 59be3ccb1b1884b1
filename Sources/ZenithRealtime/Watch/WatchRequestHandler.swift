import NIOCore
import SocketIO
import ZenithJSON

/// The authenticated namespace behaviour plus shared polling watchers: a socket emits
/// `watch` with a watcher's name (and an ack) to hear `watch:<name>` events for its scope, and
/// `unwatch` to stop; a socket that leaves stops watching. Every other event goes to the
/// authenticated handler.
///
/// The ack is `{"ok":true}` once the scope's watcher has a baseline (so the page can refresh what
/// it shows and miss nothing after), else `{"ok":false,"error":...}`: `unknown watch`,
/// `forbidden` (the identity does not fill the watch's room), `unauthorized`, `unavailable` (the
/// first poll failed; a later `watch:<name>:state {"ok":true}` says polling works again),
/// `too many rooms`.
///
/// When revalidation gives a socket another identity, its watches move to the scopes the new
/// identity fills (they end where it fills none).
public struct WatchRequestHandler: SocketIONamespaceHandler {
    private static let watchesKey = "zenith.watches"

    private let base: AuthenticatedRoomHandler
    private let registry: WatchRegistry
    private let authenticator: SessionCookieAuthenticator

    public init(base: AuthenticatedRoomHandler, registry: WatchRegistry, authenticator: SessionCookieAuthenticator) {
        var base = base
        base.identityChanged = { socket in
            Self.moveWatches(of: socket, registry: registry, authenticator: authenticator)
        }
        self.base = base
        self.registry = registry
        self.authenticator = authenticator
    }

    public func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        self.base.authorize(socket, auth: auth)
    }

    public func connected(_ socket: SocketIOSocket) {
        self.base.connected(socket)
    }

    public func recoveryIdentity(of socket: SocketIOSocket) -> String? {
        self.base.recoveryIdentity(of: socket)
    }

    /// Watches are not restored (their rooms stay out): the client asks again, as zenith-horizon.js
    /// does on every connect.
    public func recovered(_ socket: SocketIOSocket, rooms: Set<String>) {
        self.base.recovered(socket, rooms: rooms.filter { !$0.hasPrefix("watch:") })
    }

    public func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        switch event {
        case "watch":
            self.watch(socket, arguments: arguments, ack: ack)
        case "unwatch":
            guard case .string(let name)? = arguments.first,
                let key = Self.watchedKeys(of: socket).first(where: { $0.watch == name })
            else {
                ack?.send([RoomSubscriptionHandler.failure("not watching")])
                return
            }
            Self.stopWatching(key, socket: socket, registry: self.registry)
            ack?.send([RoomSubscriptionHandler.success])
        default:
            self.base.received(socket, event: event, arguments: arguments, ack: ack)
        }
    }

    public func disconnected(_ socket: SocketIOSocket, reason: String) {
        for key in Self.watchedKeys(of: socket) {
            self.registry.remove(socketID: socket.id, from: key)
        }
        self.base.disconnected(socket, reason: reason)
    }

    private func watch(_ socket: SocketIOSocket, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        guard case .string(let name)? = arguments.first, let watch = self.registry.watches[name] else {
            ack?.send([RoomSubscriptionHandler.failure("unknown watch")])
            return
        }
        guard let identity = socket.identity,
            let cookies = self.authenticator.forwardedCookies(from: socket.handshake.head.headers["cookie"])
        else {
            ack?.send([RoomSubscriptionHandler.failure("unauthorized")])
            return
        }
        guard let scope = RoomTemplate(watch.settings.room).fill(with: identity) else {
            ack?.send([RoomSubscriptionHandler.failure("forbidden")])
            return
        }
        let key = WatchScopeKey(watch: name, namespace: socket.namespace, scope: scope)
        guard socket.join(key.room) else {
            ack?.send([RoomSubscriptionHandler.failure("too many rooms")])
            return
        }
        var keys = Self.watchedKeys(of: socket)
        keys.insert(key)
        socket.userInfo[Self.watchesKey] = keys
        self.registry.add(WatchMember(socketID: socket.id, cookies: cookies, acknowledge: Self.acknowledger(ack, socket)), to: key)
    }

    private static func stopWatching(_ key: WatchScopeKey, socket: SocketIOSocket, registry: WatchRegistry) {
        var keys = Self.watchedKeys(of: socket)
        keys.remove(key)
        socket.userInfo[Self.watchesKey] = keys
        socket.leave(key.room)
        registry.remove(socketID: socket.id, from: key)
    }

    /// Moves each watch of a socket whose identity changed to the scope the new identity fills;
    /// no acknowledgement is due (the socket asked long ago), and a scope the new identity does
    /// not fill ends the watch.
    private static func moveWatches(of socket: SocketIOSocket, registry: WatchRegistry, authenticator: SessionCookieAuthenticator) {
        guard let identity = socket.identity,
            let cookies = authenticator.forwardedCookies(from: socket.handshake.head.headers["cookie"])
        else { return }
        for key in Self.watchedKeys(of: socket) {
            let scope = registry.watches[key.watch].flatMap { RoomTemplate($0.settings.room).fill(with: identity) }
            guard scope != key.scope else { continue }
            Self.stopWatching(key, socket: socket, registry: registry)
            guard let scope else { continue }
            let moved = WatchScopeKey(watch: key.watch, namespace: key.namespace, scope: scope)
            guard socket.join(moved.room) else { continue }
            socket.userInfo[Self.watchesKey] = Self.watchedKeys(of: socket).union([moved])
            registry.add(WatchMember(socketID: socket.id, cookies: cookies, acknowledge: { _ in }), to: moved)
        }
    }

    private static func watchedKeys(of socket: SocketIOSocket) -> Set<WatchScopeKey> {
        socket.userInfo[Self.watchesKey] as? Set<WatchScopeKey> ?? []
    }

    /// Sends the ack from any event loop, on the socket's.
    private static func acknowledger(_ ack: SocketIOAcknowledgement?, _ socket: SocketIOSocket) -> @Sendable (JSONValue) -> Void {
        guard let ack else { return { _ in } }
        let bound = NIOLoopBound(ack, eventLoop: socket.eventLoop)
        return { reply in
            bound.eventLoop.execute { bound.value.send([reply]) }
        }
    }
}
