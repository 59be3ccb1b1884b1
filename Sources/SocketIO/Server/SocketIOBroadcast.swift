/// One event for many sockets of a namespace: those in any of `rooms` (all when empty) except
/// those in any of `except`.
public struct SocketIOBroadcast: Sendable {
    public var namespace: String
    public var rooms: [String]
    public var except: [String]
    public var event: String
    public var arguments: [JSONValue]

    public init(namespace: String = "/", rooms: [String] = [], except: [String] = [], event: String, arguments: [JSONValue]) {
        self.namespace = namespace
        self.rooms = rooms
        self.except = except
        self.event = event
        self.arguments = arguments
    }
}
