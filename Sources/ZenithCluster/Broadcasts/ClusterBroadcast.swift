import NIOCore
import SocketIO
import ZenithJSON

/// A broadcast as it crosses Redis from the node that produced it (publish API, watcher,
/// notification) to the others, which deliver it to their own sockets:
/// `{"node":"ctl1","nsp":"/","rooms":["project:p1"],"except":[],"event":"e","args":[…]}`, with
/// `"rooms":"*"` for the whole namespace. The producing node serves its own sockets directly and
/// skips its own message when Redis hands it back.
public struct ClusterBroadcast: Sendable {
    /// The node that produced the broadcast.
    public var origin: String
    public var broadcast: SocketIOBroadcast

    public init(origin: String, broadcast: SocketIOBroadcast) {
        self.origin = origin
        self.broadcast = broadcast
    }

    /// The message's bytes.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let rooms: JSONValue
        switch self.broadcast.audience {
        case .namespace: rooms = .string("*")
        case .rooms(let names): rooms = .array(names.map(JSONValue.string))
        }
        let object: JSONValue = .object([
            "node": .string(self.origin), "nsp": .string(self.broadcast.namespace), "rooms": rooms,
            "except": .array(self.broadcast.except.map(JSONValue.string)), "event": .string(self.broadcast.event),
            "args": .array(self.broadcast.arguments),
        ])
        var buffer = allocator.buffer(capacity: 256)
        object.write(into: &buffer)
        return buffer
    }

    /// Reads a message; throws for anything that is not one, or names no room.
    public init(decoding payload: ByteBuffer) throws(ClusterMessageError) {
        guard let json = try? JSONValue(parsing: payload), case .object(let object) = json else {
            throw ClusterMessageError("broadcast is not a JSON object")
        }
        guard case .string(let origin)? = object["node"], case .string(let namespace)? = object["nsp"],
            case .string(let event)? = object["event"], case .array(let arguments)? = object["args"]
        else { throw ClusterMessageError("broadcast lacks node, nsp, event or args") }
        guard !SocketIOPacket.isReservedEventName(event), !event.isEmpty else {
            throw ClusterMessageError("broadcast names a reserved or empty event")
        }
        let audience: SocketIOBroadcast.Audience
        switch object["rooms"] {
        case .string("*")?:
            audience = .namespace
        case .array(let names)? where !names.isEmpty:
            audience = .rooms(try Self.rooms(names, field: "rooms"))
        default:
            throw ClusterMessageError("broadcast names no room")
        }
        let except: [String]
        switch object["except"] {
        case nil: except = []
        case .array(let names)?: except = try Self.rooms(names, field: "except")
        default: throw ClusterMessageError("broadcast's except is not a list")
        }
        self.init(
            origin: origin,
            broadcast: SocketIOBroadcast(namespace: namespace, to: audience, except: except, event: event, arguments: arguments)
        )
    }

    /// Room names within the bounds every other way in has (`EmitterRooms`): anyone who can
    /// write to Redis can publish here.
    private static func rooms(_ values: [JSONValue], field: String) throws(ClusterMessageError) -> [String] {
        switch EmitterRooms.names(values, field: field) {
        case .success(let rooms): return rooms
        case .failure(let reason): throw ClusterMessageError("broadcast: \(reason)")
        }
    }
}
