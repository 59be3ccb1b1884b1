import Logging
import NIOCore
import SocketIO
import ZenithConfig
import ZenithJSON

/// The namespace behaviour with `[realtime.auth]`: a CONNECT is accepted only for a session the
/// dashboard vouches for; the socket joins the rooms its identity names, may `subscribe` only to
/// rooms its patterns allow, and is checked again every `revalidate` interval. A session that
/// has ended gets an `unauthorized` event and is disconnected; a session that now belongs to
/// another identity (Horizon's project switcher moved it to another project) keeps its socket,
/// whose rooms follow: it leaves the old identity's rooms and the subscriptions the new one does
/// not allow, and joins the new identity's rooms.
public struct AuthenticatedRoomHandler: SocketIONamespaceHandler {
    static let identityKey = "zenith.identity"
    private static let revalidationKey = "zenith.revalidation"
    /// The rooms a socket joined with `subscribe`, which revalidation re-checks.
    private static let subscriptionsKey = "zenith.subscriptions"

    private let authenticator: SessionCookieAuthenticator
    private let rooms: [RoomTemplate]
    private let subscribePatterns: [RoomTemplate]
    private let revalidate: Duration
    private let logger: Logger
    /// Called on the socket's event loop once its rooms followed a new identity, so that what
    /// another handler keeps per identity (watch scopes) follows too.
    var identityChanged: @Sendable (SocketIOSocket) -> Void = { _ in }

    public init(settings: RealtimeAuthSettings, authenticator: SessionCookieAuthenticator, logger: Logger) {
        self.authenticator = authenticator
        self.rooms = settings.rooms.map(RoomTemplate.init)
        self.subscribePatterns = settings.subscribe.map(RoomTemplate.init)
        self.revalidate = settings.revalidate
        self.logger = logger
    }

    public func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        let cookies = socket.handshake.head.headers["cookie"]
        return self.authenticator.verify(cookieHeaders: cookies, on: socket.eventLoop).assumeIsolated().map {
            verdict -> JSONObject? in
            switch verdict {
            case .accepted(let identity):
                socket.userInfo[Self.identityKey] = identity
                return nil
            case .refused:
                return ["message": "unauthorized"]
            case .unavailable:
                return ["message": "authentication unavailable"]
            }
        }.nonisolated()
    }

    public func connected(_ socket: SocketIOSocket) {
        guard let identity = socket.identity else { return }
        for template in self.rooms {
            if let room = template.fill(with: identity) {
                socket.join(room)
            }
        }
        self.scheduleRevalidation(of: socket)
    }

    /// The identity's fields (not its token, which changes): a socket is recovered only by the
    /// same user in the same project.
    public func recoveryIdentity(of socket: SocketIOSocket) -> String? {
        socket.identity.map { identity in
            identity.fields.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: "\n")
        }
    }

    /// The identity's rooms, as on a new connection, and the other rooms it had only where a
    /// `subscribe` now would be allowed (the same check).
    public func recovered(_ socket: SocketIOSocket, rooms: Set<String>) {
        self.connected(socket)
        for room in rooms.sorted() where room != socket.id && !socket.rooms.contains(room) {
            self.received(socket, event: "subscribe", arguments: [.string(room)], ack: nil)
        }
    }

    private func scheduleRevalidation(of socket: SocketIOSocket) {
        let check = socket.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.revalidate)) {
            // Held strongly (see `SocketIOSocket`): `disconnected` cancels the check.
            guard socket.isConnected else { return }
            self.revalidate(socket)
        }
        socket.userInfo[Self.revalidationKey] = check
    }

    public func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        guard event == "subscribe" || event == "unsubscribe", let identity = socket.identity else { return }
        guard case .string(let room)? = arguments.first, SocketIORoomNames.isValid(room), room != socket.id else {
            ack?.send([RoomSubscriptionHandler.failure("bad room")])
            return
        }
        var subscriptions = Self.subscriptions(of: socket)
        if event == "unsubscribe" {
            socket.leave(room)
            subscriptions.remove(room)
            socket.userInfo[Self.subscriptionsKey] = subscriptions
            ack?.send([RoomSubscriptionHandler.success])
            return
        }
        guard self.allows(room, for: identity) else {
            ack?.send([RoomSubscriptionHandler.failure("forbidden")])
            return
        }
        guard socket.join(room) else {
            ack?.send([RoomSubscriptionHandler.failure("too many rooms")])
            return
        }
        subscriptions.insert(room)
        socket.userInfo[Self.subscriptionsKey] = subscriptions
        ack?.send([RoomSubscriptionHandler.success])
    }

    /// Whether `identity` may be in `room`: one of its own rooms, or one its patterns allow.
    private func allows(_ room: String, for identity: Identity) -> Bool {
        self.rooms.contains { $0.fill(with: identity) == room }
            || self.subscribePatterns.contains { $0.allows(room, for: identity) }
    }

    private static func subscriptions(of socket: SocketIOSocket) -> Set<String> {
        socket.userInfo[Self.subscriptionsKey] as? Set<String> ?? []
    }

    public func disconnected(_ socket: SocketIOSocket, reason: String) {
        (socket.userInfo[Self.revalidationKey] as? Scheduled<Void>)?.cancel()
    }

    /// Asks again (through the cache); a refused session ends the socket, another identity moves
    /// its rooms, an unanswered check leaves it alone until the next one.
    private func revalidate(_ socket: SocketIOSocket) {
        let cookies = socket.handshake.head.headers["cookie"]
        self.authenticator.verify(cookieHeaders: cookies, on: socket.eventLoop).assumeIsolated().whenSuccess { verdict in
            guard socket.isConnected else { return }
            switch verdict {
            case .refused:
                self.logger.info("realtime session no longer valid, disconnecting", metadata: ["socket": "\(socket.id)"])
                socket.emit("unauthorized", [.object(["message": "unauthorized"])])
                socket.disconnect()
                return
            case .accepted(let identity):
                self.follow(socket, to: identity)
            case .unavailable:
                break
            }
            self.scheduleRevalidation(of: socket)
        }
    }

    /// Gives the socket the identity its session has now. When the fields differ (the session
    /// moved to another project), the socket leaves the subscriptions `identity` does not allow
    /// and the old identity's rooms, and joins the new ones: it must hear nothing more of the
    /// project its user left.
    private func follow(_ socket: SocketIOSocket, to identity: Identity) {
        guard let old = socket.identity else { return }
        socket.userInfo[Self.identityKey] = identity
        guard old.fields != identity.fields else { return }
        self.logger.info("realtime session has another identity now, its rooms follow", metadata: ["socket": "\(socket.id)"])
        var subscriptions = Self.subscriptions(of: socket)
        for room in subscriptions where !self.allows(room, for: identity) {
            subscriptions.remove(room)
            socket.leave(room)
        }
        socket.userInfo[Self.subscriptionsKey] = subscriptions
        let newRooms = Set(self.rooms.compactMap { $0.fill(with: identity) })
        for room in self.rooms.compactMap({ $0.fill(with: old) }) where !newRooms.contains(room) && !subscriptions.contains(room) {
            socket.leave(room)
        }
        for room in newRooms {
            socket.join(room)
        }
        self.identityChanged(socket)
    }
}

extension SocketIOSocket {
    /// The identity the dashboard vouched for at CONNECT (with `[realtime.auth]`).
    public var identity: Identity? {
        self.userInfo[AuthenticatedRoomHandler.identityKey] as? Identity
    }
}
