import NIOCore

/// Where the sockets that may come back are kept: this process's memory
/// (`SocketIORecoveryStore`, which a drain writes out for the next process), or in a cluster
/// Redis, so that whichever node a client reconnects to finds its socket, also after the node
/// that held it died. Every call but `take` is fire-and-forget (a write that fails makes a socket
/// unrecoverable, never a connection fail).
public protocol SocketIORecoveryDirectory: Sendable {
    /// Whether `connected` is worth calling when a socket's rooms change.
    var keepsConnectedSockets: Bool { get }
    /// A new private id, naming what the directory needs to find the socket again.
    func makePrivateID() -> String
    /// A socket connected (or came back) with recovery on. Nothing to do for a directory that
    /// only keeps lost sockets.
    func connected(pid: String, _ socket: SocketIOSavedSocket)
    /// A connected socket's rooms changed (only called when `keepsConnectedSockets`).
    func changed(pid: String, _ socket: SocketIOSavedSocket)
    /// Its connection was lost (or the server is going down): keep it for recovery.
    func lost(pid: String, _ socket: SocketIOSavedSocket)
    /// It left for good (its client's own disconnect, a server kick): forget it.
    func left(pid: String)
    /// The socket kept under `pid` in `namespace`, taken out (a pid recovers once), or nil when
    /// unknown or expired; the future completes on `eventLoop`.
    func take(pid: String, namespace: String, on eventLoop: any EventLoop) -> EventLoopFuture<SocketIOSavedSocket?>
}
