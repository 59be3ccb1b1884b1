import ZenithJSON

/// One Socket.IO v5 packet: type, namespace, optional ack id, optional JSON data, and for the
/// binary types the number of attachments that follow it as separate Engine.IO messages.
///
/// A value: decoded from and encoded to the text of one Engine.IO `message` packet by the codec,
/// then handed to namespaces and sockets.
public struct SocketIOPacket: Sendable, Equatable {
    public var type: SocketIOPacketType
    /// The namespace, `/` for the main one; always starts with `/`.
    public var namespace: String
    /// The acknowledgement id: asked for on an event, echoed on its ack.
    public var id: Int?
    public var data: JSONValue?
    /// Binary attachments that follow (binary types only; 0 otherwise).
    public var attachmentCount: Int

    public init(
        type: SocketIOPacketType,
        namespace: String = "/",
        id: Int? = nil,
        data: JSONValue? = nil,
        attachmentCount: Int = 0
    ) {
        self.type = type
        self.namespace = namespace
        self.id = id
        self.data = data
        self.attachmentCount = attachmentCount
    }
}

extension SocketIOPacket {
    /// An event `name` with `arguments` (`["name", ...arguments]`), asking for an ack when `id`
    /// is set. It may hold `binary` values; deconstruct it before sending.
    public static func event(_ name: String, _ arguments: [JSONValue] = [], namespace: String = "/", id: Int? = nil) -> SocketIOPacket {
        SocketIOPacket(type: .event, namespace: namespace, id: id, data: .array([.string(name)] + arguments))
    }

    /// The ack of event `id`, carrying `arguments`.
    public static func ack(id: Int, _ arguments: [JSONValue] = [], namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .ack, namespace: namespace, id: id, data: .array(arguments))
    }

    /// A `CONNECT` packet (from the server: `data` is `{"sid":"..."}`).
    public static func connect(namespace: String = "/", data: JSONObject? = nil) -> SocketIOPacket {
        SocketIOPacket(type: .connect, namespace: namespace, data: data.map(JSONValue.object))
    }

    /// A `CONNECT_ERROR` packet with `{"message": message}` (and `data` when given).
    public static func connectError(namespace: String = "/", message: String, data: JSONValue? = nil) -> SocketIOPacket {
        var object: JSONObject = ["message": .string(message)]
        if let data { object["data"] = data }
        return SocketIOPacket(type: .connectError, namespace: namespace, data: .object(object))
    }

    /// A `DISCONNECT` packet.
    public static func disconnect(namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .disconnect, namespace: namespace)
    }

    /// The event name of an event packet: the first element of its data, when a string.
    public var eventName: String? {
        guard type == .event || type == .binaryEvent, case .array(let elements)? = data else { return nil }
        return elements.first?.stringValue
    }

    /// The arguments of an event (the data after the name) or of an ack (all of the data).
    public var arguments: [JSONValue] {
        guard case .array(let elements)? = data else { return [] }
        switch type {
        case .event, .binaryEvent: return Array(elements.dropFirst())
        case .ack, .binaryAck: return elements
        default: return []
        }
    }

    /// Event names with a meaning of their own in Socket.IO, which an application must not
    /// emit nor receive as ordinary events (socket.io-parser's `RESERVED_EVENTS`).
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    /// Whether `name` is one of ``reservedEventNames``. The codec decodes such events; the
    /// server layer decides to refuse them.
    public static func isReservedEventName(_ name: String) -> Bool {
        reservedEventNames.contains(name)
    }
}
