import SocketIO
import ZenithJSON

/// What one message published on Redis by another process's Socket.IO emitter (python-socketio's
/// `RedisManager`, `@socket.io/redis-emitter`, a Node server's Redis adapter) asks of Zenith:
/// a broadcast to deliver to the sockets of this node, or nothing, with the reason.
///
/// Decoding is pure (``PythonSocketIOMessageDecoder``, ``RedisEmitterMessageDecoder``); the
/// subscriber that owns the Redis connection delivers the broadcasts and logs the skips.
public enum EmitterMessage: Sendable {
    case broadcast(SocketIOBroadcast)
    case skip(EmitterSkipReason)
}

/// Why an emitter's message is not delivered. Descriptions carry no payload content; names
/// (methods, namespaces) are cut to a few dozen characters.
public enum EmitterSkipReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// A pickled python-socketio message (before 5.14): never unpickled, since unpickling runs
    /// code of the sender's choosing.
    case pickled
    /// The body is not JSON (python-socketio).
    case notJSON(JSONParseError)
    /// The body is not MessagePack of the JSON subset (redis-emitter); binary data is `.binary`.
    case notMessagePack(MessagePackDecodingError)
    /// The body is larger than the decoder allows.
    case tooLarge(size: Int, limit: Int)
    /// The message does not have the documented shape; the text says which part.
    case malformed(String)
    /// A python-socketio method other than `emit` (`enter_room`, `leave_room`, `close_room`,
    /// `disconnect`, `callback`): each acts on sockets or state another server owns.
    case unsupportedMethod(String)
    /// Binary arguments (Socket.IO binary attachments) are not carried over Redis.
    case binary
    /// A Socket.IO packet type other than EVENT (2) in a redis-emitter message.
    case unsupportedPacketType(Int64)
    /// The event name is one Socket.IO reserves (`connect`, `disconnect`...).
    case reservedEvent(String)
    /// A namespace Zenith does not serve.
    case unknownNamespace(String)
    /// The channel names one namespace and the packet another.
    case namespaceMismatch(channel: String, packet: String)
    /// The channel names a room the message's room list does not hold.
    case channelRoomMismatch
    /// An explicit empty room list, which reaches nobody (never the whole namespace).
    case emptyRoomList
    /// A room name that is not a non-empty string of at most ``EmitterRooms/maxBytes`` bytes.
    case invalidRoom(field: String)
    /// More rooms than ``SocketIORoomNames/maxPerBroadcast``.
    case tooManyRooms(field: String, limit: Int)
    /// The sender flagged the broadcast for its own node only (`flags.local`).
    case localOnly
    /// The channel is not `<key>#<namespace>#` nor `<key>#<namespace>#<room>#`.
    case notEmitterChannel

    public var description: String {
        switch self {
        case .pickled:
            "pickled python-socketio message (python-socketio before 5.14): never unpickled; upgrade the sender to 5.14 or later, which sends JSON"
        case .notJSON(let error): "not JSON: \(error)"
        case .notMessagePack(let error): "not MessagePack: \(error)"
        case .tooLarge(let size, let limit): "message of \(size) bytes is larger than the limit of \(limit)"
        case .malformed(let what): "malformed message: \(what)"
        case .unsupportedMethod(let method): "method '\(Self.cut(method))' is not supported (only 'emit' is)"
        case .binary: "binary arguments (Socket.IO attachments) are not supported over Redis"
        case .unsupportedPacketType(let type): "packet type \(type) is not supported (only EVENT, 2, is)"
        case .reservedEvent(let event): "'\(event)' is a reserved event name"
        case .unknownNamespace(let namespace): "namespace '\(Self.cut(namespace))' is not served"
        case .namespaceMismatch(let channel, let packet):
            "the channel names namespace '\(Self.cut(channel))' and the packet '\(Self.cut(packet))'"
        case .channelRoomMismatch: "the channel names a room the message's room list does not hold"
        case .emptyRoomList: "an empty room list reaches nobody"
        case .invalidRoom(let field): "'\(field)' must hold room names of 1 to \(SocketIORoomNames.maxBytes) bytes"
        case .tooManyRooms(let field, let limit): "'\(field)' names more than \(limit) rooms"
        case .localOnly: "flagged 'local': meant for the sender's own node only"
        case .notEmitterChannel: "the channel is not '<key>#<namespace>#' nor '<key>#<namespace>#<room>#'"
        }
    }

    /// Names echoed in logs are cut: they come from any process that can publish on Redis.
    static func cut(_ name: String) -> String {
        name.count <= 64 ? name : String(name.prefix(64)) + "…"
    }
}
