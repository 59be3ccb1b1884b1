import SocketIO
import ZenithJSON

/// Room lists and broadcasts as the emitters' messages and other nodes' broadcasts give them,
/// checked against `SocketIORoomNames`, the bounds every other way in has (anyone who can write
/// to Redis can publish there).
public enum EmitterRooms {
    /// `items` as room names, or why not.
    static func names(_ items: [JSONValue], field: String) -> Result<[String], EmitterSkipReason> {
        guard items.count <= SocketIORoomNames.maxPerBroadcast else {
            return .failure(.tooManyRooms(field: field, limit: SocketIORoomNames.maxPerBroadcast))
        }
        var rooms: [String] = []
        rooms.reserveCapacity(items.count)
        for item in items {
            guard case .string(let room) = item, SocketIORoomNames.isValid(room) else { return .failure(.invalidRoom(field: field)) }
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
