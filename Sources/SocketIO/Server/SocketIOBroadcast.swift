import ZenithJSON

/// One event for many sockets of a namespace: its audience, except the sockets in any of `except`.
public struct SocketIOBroadcast: Sendable {
    /// Who an event is for. Reaching the whole namespace is its own case, never what an empty
    /// room list means: a publisher whose room list came out empty must reach nobody, not
    /// every tenant.
    public enum Audience: Sendable, Equatable {
        /// Every socket of the namespace.
        case namespace
        /// The sockets in any of these rooms (nobody when the list is empty).
        case rooms([String])
    }

    public var namespace: String
    public var audience: Audience
    public var except: [String]
    public var event: String
    public var arguments: [JSONValue]

    public init(namespace: String = "/", to audience: Audience, except: [String] = [], event: String, arguments: [JSONValue]) {
        self.namespace = namespace
        self.audience = audience
        self.except = except
        self.event = event
        self.arguments = arguments
    }
}
