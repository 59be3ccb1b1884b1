import NIOCore

/// A socket as recovery keeps it: while it is connected (in a cluster, so that a node that dies
/// loses nothing) and once its connection is lost, until it comes back or expires.
public struct SocketIOSavedSocket: Sendable, Equatable {
    public var socketID: String
    public var namespace: String
    public var rooms: Set<String>
    /// The namespace handler's account of who the socket was (`recoveryIdentity(of:)`); a socket
    /// comes back only to the same identity.
    public var identity: String?
    /// When its connection was lost (or, for a socket whose node died, when that was noticed).
    public var at: NIODeadline

    public init(socketID: String, namespace: String, rooms: Set<String>, identity: String?, at: NIODeadline) {
        self.socketID = socketID
        self.namespace = namespace
        self.rooms = rooms
        self.identity = identity
        self.at = at
    }
}
