/// What connections need for connection state recovery, shared by all of a server's.
struct SocketIOConnectionRecovery: Sendable {
    /// The broadcasts kept for replay, in offset order.
    var store: SocketIORecoveryStore
    /// Where sockets are kept to come back (the store itself on one node, Redis in a cluster).
    var directory: SocketIORecoveryDirectory
    /// The sockets with a pid this process holds now.
    var live: SocketIOLiveSockets
}
