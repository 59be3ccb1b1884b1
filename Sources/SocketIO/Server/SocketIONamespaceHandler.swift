import NIOCore
import ZenithJSON

/// What a namespace does with its sockets: the application side of the Socket.IO server
/// (Zenith's realtime policy, the conformance echo, the demo). Every method runs on the socket's
/// event loop.
public protocol SocketIONamespaceHandler: Sendable {
    /// Decides on a CONNECT. Succeed with nil to accept, or with the CONNECT_ERROR payload
    /// (`{"message": ...}`) to refuse. May take its time (an auth probe).
    func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?>
    /// The socket is connected (its CONNECT has been answered).
    func connected(_ socket: SocketIOSocket)
    /// The client emitted an event; `ack` is set when it asked for an acknowledgement.
    func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?)
    /// The socket left the namespace; `reason` as in the Socket.IO API ("client namespace
    /// disconnect", "transport close", "ping timeout", "server namespace disconnect", ...).
    func disconnected(_ socket: SocketIOSocket, reason: String)

    /// Who the socket is, as far as recovery goes: a socket is recovered only by a client the
    /// handler sees as the same (`authorize` ran first). Nil: anyone holding the private id.
    func recoveryIdentity(of socket: SocketIOSocket) -> String?

    /// The socket came back with connection state recovery (its CONNECT has been answered with
    /// its old id, and what it missed has been sent): put it back in those of its `rooms` it may
    /// still be in, then do what `connected` does.
    func recovered(_ socket: SocketIOSocket, rooms: Set<String>)
}

extension SocketIONamespaceHandler {
    public func recoveryIdentity(of socket: SocketIOSocket) -> String? { nil }

    /// Every room back, then `connected`.
    public func recovered(_ socket: SocketIOSocket, rooms: Set<String>) {
        for room in rooms.sorted() {
            socket.join(room)
        }
        self.connected(socket)
    }
}

/// Answers one event's acknowledgement request, at most once, while its socket is connected.
/// It holds its socket strongly (see `SocketIOSocket`).
public final class SocketIOAcknowledgement {
    private let socket: SocketIOSocket
    private let id: Int
    private var sent = false

    init(socket: SocketIOSocket, id: Int) {
        self.socket = socket
        self.id = id
    }

    public func send(_ arguments: [JSONValue]) {
        guard !self.sent, self.socket.isConnected else { return }
        self.sent = true
        self.socket.send(.ack(id: self.id, arguments, namespace: self.socket.namespace))
    }
}
