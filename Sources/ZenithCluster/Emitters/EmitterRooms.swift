import SocketIO
import ZenithJSON

/// The bounds on the room names an emitter's message may address, the same as the publish API's
/// (ZenithRealtime's `RoomNames`, which this module cannot import): a name no socket could have
/// joined is refused rather than silently matched by nothing.
public enum EmitterRooms {
    /// Longest room name, in UTF-8 bytes.
    public static let maxBytes = 256
    /// Most rooms (or exceptions) one message may name.
    public static let maxPerMessage = 1000

    static func isValid(_ room: String) -> Bool {
        !room.isEmpty && room.utf8.count <= Self.maxBytes
    }

    /// `items` as room names, or why not.
    static func names(_ items: [JSONValue], field: String) -> Result<[String], EmitterSkipReason> {
        guard items.count <= Self.maxPerMessage else { return .failure(.tooManyRooms(field: field, limit: Self.maxPerMessage)) }
        var rooms: [String] = []
        rooms.reserveCapacity(items.count)
        for item in items {
            guard case .string(let room) = item, Self.isValid(room) else { return .failure(.invalidRoom(field: field)) }
            rooms.append(room)
        }
        return .success(rooms)
    }

    /// The event name and arguments checked, then the broadcast, or why not.
    static func broadcast(
        namespace: String, namespaces: Set<String>, audience: SocketIOBroadcast.Audience, except: [String],
        event: JSONValue?, arguments: [JSONValue]
    ) -> EmitterMessage {
        guard namespaces.contains(namespace) else { return .skip(.unknownNamespace(namespace)) }
        guard case .string(let name)? = event, !name.isEmpty else {
            return .skip(.malformed("the event name must be a non-empty string"))
        }
        guard !SocketIOPacket.isReservedEventName(name) else { return .skip(.reservedEvent(name)) }
        return .broadcast(SocketIOBroadcast(namespace: namespace, to: audience, except: except, event: name, arguments: arguments))
    }
}
