/// Connection state recovery (Socket.IO 4.6's `connectionStateRecovery`): how long a socket that
/// lost its connection can come back as itself, and how much the server keeps meanwhile.
public struct SocketIORecoverySettings: Sendable, Equatable {
    /// How long a disconnected socket stays recoverable (`maxDisconnectionDuration`).
    public var maxDisconnectionDuration: Duration
    /// Disconnected sockets kept at most; beyond, the oldest is no longer recoverable.
    public var maxSessions: Int
    /// Bytes of broadcasts kept for replay at most; a socket that missed more than that (or
    /// broadcasts older than `maxDisconnectionDuration`) is not recoverable.
    public var maxBytes: Int

    public init(maxDisconnectionDuration: Duration, maxSessions: Int = 10_000, maxBytes: Int = 16 << 20) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.maxSessions = maxSessions
        self.maxBytes = maxBytes
    }
}
