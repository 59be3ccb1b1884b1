import NIOCore
import SocketIO
import ZenithJSON

/// Decodes the messages python-socketio's `RedisManager` (and any `PubSubManager`) publishes on
/// its channel (`[cluster] python_channel`, default "socketio"): how Django, or any Python
/// process, emits to Zenith's sockets with
/// `socketio.RedisManager(url, write_only=True).emit(event, data, room=..., namespace=...)`.
///
/// Since python-socketio 5.14 a message is a JSON object (`pubsub_manager.py`, `emit`):
/// `{"method":"emit","event":...,"data":[...],"binary":false,"namespace":"/","room":...,
/// "skip_sid":...,"callback":...,"host_id":...}`. Read as python-socketio's own receiving side
/// (`_handle_emit`, then `Manager.emit`) reads it:
/// - `data` is the argument list: a one-element list is one argument, except `[null]` (what
///   `emit(event)` and `emit(event, None)` send), which is no argument; any other list is the
///   arguments (`emit(event, (a, b))`). A `data` that is not a list is one argument (none if null).
/// - `room` null reaches the whole namespace; a string is one room (a sid is a room too); a list
///   is several; an empty list reaches nobody and is skipped, never widened to the namespace.
/// - `skip_sid` (null, a sid or a list of sids) becomes `except`: every socket is in the room
///   named by its own id.
/// - `callback` (only a server-attached manager sends one) cannot be honoured across processes:
///   the event is delivered without an acknowledgement id, so the sender's callback never runs,
///   as if the client had not answered.
/// - `binary` true (base64 attachments) is skipped; `host_id` is not used (Zenith never publishes
///   on this channel).
/// Other methods (`enter_room`, `leave_room`, `close_room`, `disconnect`, `callback`) are
/// skipped: they act on sockets or state another python-socketio server owns. Older versions
/// pickled their messages: those are refused, never unpickled.
public struct PythonSocketIOMessageDecoder: Sendable {
    /// The namespaces Zenith serves; a message for another is skipped.
    public var namespaces: Set<String>
    /// Largest message accepted, in bytes.
    public var maxBytes: Int

    public init(namespaces: Set<String>, maxBytes: Int = 1_000_000) {
        self.namespaces = namespaces
        self.maxBytes = maxBytes
    }

    /// The methods python-socketio's `PubSubManager` publishes besides `emit`.
    static let otherMethods: Set<String> = ["enter_room", "leave_room", "close_room", "disconnect", "callback"]

    public func decode(_ payload: ByteBuffer) -> EmitterMessage {
        guard payload.readableBytes <= maxBytes else { return .skip(.tooLarge(size: payload.readableBytes, limit: maxBytes)) }
        // pickle.dumps with protocol 2 or later starts with PROTO (0x80); JSON never does.
        if payload.readableBytesView.first == 0x80 { return .skip(.pickled) }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: payload)
        } catch {
            return .skip(.notJSON(error))
        }
        guard case .object(let message) = json else { return .skip(.malformed("the message must be a JSON object")) }
        guard case .string(let method)? = message["method"] else { return .skip(.malformed("'method' must be a string")) }
        guard method == "emit" else {
            return .skip(Self.otherMethods.contains(method) ? .unsupportedMethod(method) : .malformed("unknown method"))
        }
        if message["binary"] == .bool(true) { return .skip(.binary) }

        let namespace: String
        switch message["namespace"] {
        case nil, .null?: namespace = "/"
        case .string(let value)?: namespace = value
        default: return .skip(.malformed("'namespace' must be a string"))
        }
        guard let data = message["data"] else { return .skip(.malformed("'data' is missing")) }

        let audience: SocketIOBroadcast.Audience
        switch message["room"] {
        case nil, .null?:
            audience = .namespace
        case .string(let room)?:
            guard SocketIORoomNames.isValid(room) else { return .skip(.invalidRoom(field: "room")) }
            audience = .rooms([room])
        case .array(let items)?:
            guard !items.isEmpty else { return .skip(.emptyRoomList) }
            switch EmitterRooms.names(items, field: "room") {
            case .success(let rooms): audience = .rooms(rooms)
            case .failure(let reason): return .skip(reason)
            }
        default:
            return .skip(.invalidRoom(field: "room"))
        }

        let except: [String]
        switch message["skip_sid"] {
        case nil, .null?:
            except = []
        case .string(let sid)?:
            guard SocketIORoomNames.isValid(sid) else { return .skip(.invalidRoom(field: "skip_sid")) }
            except = [sid]
        case .array(let items)?:
            switch EmitterRooms.names(items, field: "skip_sid") {
            case .success(let sids): except = sids
            case .failure(let reason): return .skip(reason)
            }
        default:
            return .skip(.invalidRoom(field: "skip_sid"))
        }

        return EmitterRooms.broadcast(
            namespace: namespace, namespaces: namespaces, audience: audience, except: except,
            event: message["event"], arguments: Self.arguments(data)
        )
    }

    /// The Socket.IO arguments python-socketio's receiving side makes of `data`.
    static func arguments(_ data: JSONValue) -> [JSONValue] {
        switch data {
        case .array(let items) where items.count == 1:
            // `_handle_emit` unwraps it, then `Manager.emit` sends None as no argument.
            items[0] == .null ? [] : items
        case .array(let items):
            items
        case .null:
            []
        default:
            [data]
        }
    }
}
