import NIOCore
import SocketIO
import ZenithJSON

/// The body of `POST /publish`, validated: one event object or a JSON array of them, each
/// `{"namespace":"/","rooms":[...],"except":[...],"event":"name","data":<any JSON>}`, or with
/// `"broadcast":true` instead of `rooms` for every socket of the namespace. An event with neither
/// is refused: a publisher whose room list came out empty (a bug, a tenant with no project) must
/// get a 400, not reach every tenant's sockets.
enum PublishRequest {
    /// Why a body was refused (the 400 answer's message).
    struct Invalid: Error {
        var message: String
    }

    /// Events in one batch at most.
    static let maxBatch = 1000

    /// The broadcasts a body asks for, and whether it was a batch (which is answered with a list).
    static func parse(_ body: ByteBuffer, namespaces: Set<String>) throws(Invalid) -> (broadcasts: [SocketIOBroadcast], isBatch: Bool) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            throw Invalid(message: "body is not valid JSON: \(error)")
        }
        switch json {
        case .array(let items):
            guard !items.isEmpty else { throw Invalid(message: "empty batch") }
            guard items.count <= Self.maxBatch else { throw Invalid(message: "more than \(Self.maxBatch) events in a batch") }
            var broadcasts: [SocketIOBroadcast] = []
            for (index, item) in items.enumerated() {
                do {
                    broadcasts.append(try Self.broadcast(from: item, namespaces: namespaces))
                } catch {
                    throw Invalid(message: "event \(index): \(error.message)")
                }
            }
            return (broadcasts, true)
        default:
            return ([try Self.broadcast(from: json, namespaces: namespaces)], false)
        }
    }

    private static func broadcast(from value: JSONValue, namespaces: Set<String>) throws(Invalid) -> SocketIOBroadcast {
        guard case .object(let object) = value else { throw Invalid(message: "an event must be a JSON object") }
        for key in object.keys where !["namespace", "rooms", "broadcast", "except", "event", "data"].contains(key) {
            throw Invalid(message: "unknown field '\(key)'")
        }
        let namespace: String
        switch object["namespace"] {
        case nil: namespace = "/"
        case .string(let value)?: namespace = value
        default: throw Invalid(message: "'namespace' must be a string")
        }
        guard namespaces.contains(namespace) else { throw Invalid(message: "unknown namespace '\(namespace)'") }
        guard case .string(let event)? = object["event"], !event.isEmpty else {
            throw Invalid(message: "'event' is required and must be a non-empty string")
        }
        guard !SocketIOPacket.isReservedEventName(event) else {
            throw Invalid(message: "'\(event)' is a reserved event name")
        }
        return SocketIOBroadcast(
            namespace: namespace, to: try Self.audience(of: object),
            except: try Self.rooms(object["except"], field: "except"), event: event,
            arguments: object["data"].map { [$0] } ?? []
        )
    }

    /// `"broadcast": true` (and no rooms) for the whole namespace, else a non-empty `rooms`.
    private static func audience(of object: JSONObject) throws(Invalid) -> SocketIOBroadcast.Audience {
        let rooms = try Self.rooms(object["rooms"], field: "rooms")
        switch object["broadcast"] {
        case .bool(true)?:
            guard rooms.isEmpty else {
                throw Invalid(message: "'broadcast': true reaches the whole namespace and takes no 'rooms'")
            }
            return .namespace
        case nil, .bool(false)?:
            guard !rooms.isEmpty else {
                throw Invalid(
                    message: "'rooms' must name at least one room; to reach every socket of the namespace, send \"broadcast\": true"
                )
            }
            return .rooms(rooms)
        default:
            throw Invalid(message: "'broadcast' must be true or false")
        }
    }

    private static func rooms(_ value: JSONValue?, field: String) throws(Invalid) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw Invalid(message: "'\(field)' must be a list of room names") }
        guard items.count <= SocketIORoomNames.maxPerBroadcast else {
            throw Invalid(message: "'\(field)' names more than \(SocketIORoomNames.maxPerBroadcast) rooms")
        }
        var rooms: [String] = []
        for item in items {
            guard case .string(let room) = item, SocketIORoomNames.isValid(room) else {
                throw Invalid(message: "'\(field)' must be a list of room names of 1 to \(SocketIORoomNames.maxBytes) bytes")
            }
            rooms.append(room)
        }
        return rooms
    }
}
