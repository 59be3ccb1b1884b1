import Logging
import NIOCore
import SocketIO
import ZenithConfig

/// The namespace behaviour with `[realtime.auth]`: a CONNECT is accepted only for a session the
/// dashboard vouches for; the socket joins the rooms its identity names, may `subscribe` only to
/// rooms its patterns allow, and is checked again every `revalidate` interval (a session that
/// has ended gets an `unauthorized` event and is disconnected).
public struct AuthenticatedRoomHandler: SocketIONamespaceHandler {
    static let identityKey = "zenith.identity"
    private static let revalidationKey = "zenith.revalidation"

    private let authenticator: SessionCookieAuthenticator
    private let rooms: [RoomTemplate]
    private let subscribePatterns: [RoomTemplate]
    private let revalidate: Duration
    private let logger: Logger

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

    private func scheduleRevalidation(of socket: SocketIOSocket) {
        let check = socket.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.revalidate)) { [weak socket] in
            guard let socket, socket.isConnected else { return }
            self.revalidate(socket)
        }
        socket.userInfo[Self.revalidationKey] = check
    }

    public func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        guard event == "subscribe" || event == "unsubscribe", let identity = socket.identity else { return }
        guard case .string(let room)? = arguments.first, RoomNames.isValid(room), room != socket.id else {
            ack?.send([RoomSubscriptionHandler.failure("bad room")])
            return
        }
        if event == "unsubscribe" {
            socket.leave(room)
            ack?.send([RoomSubscriptionHandler.success])
            return
        }
        let ownRooms = self.rooms.compactMap { $0.fill(with: identity) }
        guard ownRooms.contains(room) || self.subscribePatterns.contains(where: { $0.allows(room, for: identity) }) else {
            ack?.send([RoomSubscriptionHandler.failure("forbidden")])
            return
        }
        ack?.send([socket.join(room) ? RoomSubscriptionHandler.success : RoomSubscriptionHandler.failure("too many rooms")])
    }

    public func disconnected(_ socket: SocketIOSocket, reason: String) {
        (socket.userInfo[Self.revalidationKey] as? Scheduled<Void>)?.cancel()
    }

    /// Asks again (through the cache); a refused session ends the socket, an unanswered check
    /// leaves it alone until the next one.
    private func revalidate(_ socket: SocketIOSocket) {
        let cookies = socket.handshake.head.headers["cookie"]
        self.authenticator.verify(cookieHeaders: cookies, on: socket.eventLoop).assumeIsolated().whenSuccess {
            [weak socket] verdict in
            guard let socket, socket.isConnected else { return }
            guard verdict == .refused else {
                self.scheduleRevalidation(of: socket)
                return
            }
            self.logger.info("realtime session no longer valid, disconnecting", metadata: ["socket": "\(socket.id)"])
            socket.emit("unauthorized", [.object(["message": "unauthorized"])])
            socket.disconnect()
        }
    }
}

extension SocketIOSocket {
    /// The identity the dashboard vouched for at CONNECT (with `[realtime.auth]`).
    public var identity: Identity? {
        self.userInfo[AuthenticatedRoomHandler.identityKey] as? Identity
    }
}
