import NIOCore
import SocketIO
import ZenithJSON

/// Decodes the broadcasts `@socket.io/redis-emitter` (and a Node server's socket.io Redis
/// adapter) publish: MessagePack (notepack.io) of `[uid, packet, opts]` on a
/// ``RedisEmitterChannel``, where `packet` is `{type: 2, data: [event, ...args], nsp}` and `opts`
/// is `{rooms: [...], except: [...], flags: {...}}` (redis-emitter 5's `BroadcastOperator.emit`,
/// the adapter's `broadcast`; read by the adapter's `onmessage`).
///
/// As a Socket.IO server reads them:
/// - `rooms` empty (or absent) is the whole namespace: that is how `emitter.emit(...)` without
///   `to()` reads in every Socket.IO server, and the format has no other way to say it;
/// - `except` becomes `except`; `packet.nsp` (default "/") must be the channel's namespace, and a
///   room in the channel must be the message's one room;
/// - `flags.volatile` is honoured as a normal emit (volatile only allows dropping; Zenith delivers),
///   `compress` is ignored, `local` (for the sender's node only; never published by the adapter)
///   is skipped, other flags are ignored;
/// - a packet `id` (an acknowledgement) cannot be honoured across processes: the event is
///   delivered without it;
/// - BINARY_EVENT (5) and any `bin` or `ext` value (Buffers, notepack's `Date`) are skipped, as
///   are other packet types; `uid` is not used (Zenith never publishes on these channels).
public struct RedisEmitterMessageDecoder: Sendable {
    /// `[cluster] emitter_key`.
    public var key: String
    /// The namespaces Zenith serves; a message for another is skipped.
    public var namespaces: Set<String>
    /// The MessagePack bounds (body size and depth).
    public var messagePack: MessagePackDecoder

    public init(key: String = "socket.io", namespaces: Set<String>, maxBytes: Int = 1_000_000, maxDepth: Int = 32) {
        self.key = key
        self.namespaces = namespaces
        self.messagePack = MessagePackDecoder(maxBytes: maxBytes, maxDepth: maxDepth)
    }

    /// Socket.IO's EVENT and BINARY_EVENT packet types (socket.io-parser's `PacketType`).
    static let eventType: Int64 = 2
    static let binaryEventType: Int64 = 5

    /// The `PSUBSCRIBE` pattern for this key's broadcast channels.
    public var channelPattern: String { RedisEmitterChannel.pattern(key: key) }

    public func decode(channel: String, payload: ByteBuffer) -> EmitterMessage {
        guard let channel = RedisEmitterChannel(parsing: channel, key: key) else { return .skip(.notEmitterChannel) }
        let value: JSONValue
        do {
            value = try messagePack.decode(payload)
        } catch .binary {
            return .skip(.binary)
        } catch .tooLarge(let size, let limit) {
            return .skip(.tooLarge(size: size, limit: limit))
        } catch {
            return .skip(.notMessagePack(error))
        }
        guard case .array(let parts) = value, parts.count == 3 else {
            return .skip(.malformed("the message must be a list of [uid, packet, opts]"))
        }
        guard case .object(let packet) = parts[1] else { return .skip(.malformed("the packet must be a map")) }
        guard case .object(let opts) = parts[2] else { return .skip(.malformed("opts must be a map")) }

        guard case .int(let type)? = packet["type"] else { return .skip(.malformed("the packet type must be an integer")) }
        if type == Self.binaryEventType { return .skip(.binary) }
        guard type == Self.eventType else { return .skip(.unsupportedPacketType(type)) }
        let namespace: String
        switch packet["nsp"] {
        case nil, .null?: namespace = "/"
        case .string(let value)?: namespace = value
        default: return .skip(.malformed("the packet's nsp must be a string"))
        }
        guard namespace == channel.namespace else {
            return .skip(.namespaceMismatch(channel: channel.namespace, packet: namespace))
        }
        guard case .array(let data)? = packet["data"], !data.isEmpty else {
            return .skip(.malformed("the packet's data must be a list starting with the event name"))
        }

        if case .object(let flags)? = opts["flags"], flags["local"] == .bool(true) { return .skip(.localOnly) }
        let rooms: [String]
        switch Self.roomList(opts["rooms"], field: "rooms") {
        case .success(let names): rooms = names
        case .failure(let reason): return .skip(reason)
        }
        if let room = channel.room, rooms != [room] { return .skip(.channelRoomMismatch) }
        let except: [String]
        switch Self.roomList(opts["except"], field: "except") {
        case .success(let names): except = names
        case .failure(let reason): return .skip(reason)
        }

        return EmitterRooms.broadcast(
            namespace: namespace, namespaces: namespaces, audience: rooms.isEmpty ? .namespace : .rooms(rooms),
            except: except, event: data[0], arguments: Array(data.dropFirst())
        )
    }

    /// A room list of `opts`: absent or nil is empty (the adapter's `new Set(undefined)`).
    private static func roomList(_ value: JSONValue?, field: String) -> Result<[String], EmitterSkipReason> {
        switch value {
        case nil, .null?: .success([])
        case .array(let items)?: EmitterRooms.names(items, field: field)
        default: .failure(.invalidRoom(field: field))
        }
    }
}
