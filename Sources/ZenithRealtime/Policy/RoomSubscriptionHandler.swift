import NIOCore
import SocketIO
import ZenithJSON

/// The namespace behaviour of anonymous realtime clients (no `[realtime.auth]`): every CONNECT
/// is accepted, and a client may `subscribe` to and `unsubscribe` from rooms by name, with an
/// acknowledgement `{"ok":true}` or `{"ok":false,"error":...}`. A `watch` is refused (`unknown
/// watch`): watchers need authenticated sockets.
public struct RoomSubscriptionHandler: SocketIONamespaceHandler {
    public init() {}

    public func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        socket.eventLoop.makeSucceededFuture(nil)
    }

    public func connected(_ socket: SocketIOSocket) {}

    public func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        switch event {
        case "subscribe":
            guard case .string(let room)? = arguments.first, SocketIORoomNames.isValid(room) else {
                ack?.send([Self.failure("bad room")])
                return
            }
            // Joined first: as an argument of `ack?.send`, the join would be skipped without an ack.
            let joined = socket.join(room)
            ack?.send([joined ? Self.success : Self.failure("too many rooms")])
        case "unsubscribe":
            guard case .string(let room)? = arguments.first, room != socket.id else {
                ack?.send([Self.failure("bad room")])
                return
            }
            socket.leave(room)
            ack?.send([Self.success])
        case "watch":
            // Watchers poll with a member's session, which anonymous sockets do not have.
            ack?.send([Self.failure("unknown watch")])
        default:
            break
        }
    }

    public func disconnected(_ socket: SocketIOSocket, reason: String) {}

    static let success: JSONValue = .object(["ok": .bool(true)])

    static func failure(_ error: String) -> JSONValue {
        .object(["ok": .bool(false), "error": .string(error)])
    }
}
