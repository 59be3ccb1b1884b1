/// The settings of a Socket.IO server.
public struct SocketIOConfiguration: Sendable {
    /// A client that joins no namespace within this time is disconnected.
    public var connectTimeout: Duration
    /// How long the server waits for a client's acknowledgement of an emit.
    public var ackTimeout: Duration
    /// Binary attachments accepted in one packet, and their total size.
    public var maxAttachments: Int
    public var maxAttachmentBytes: Int
    /// Rooms one socket may be in (its own id room included).
    public var maxRoomsPerSocket: Int
    /// Connection state recovery; nil: off (broadcasts carry no offset, every reconnect is a new socket).
    public var recovery: SocketIORecoverySettings?

    public init(
        connectTimeout: Duration = .seconds(45), ackTimeout: Duration = .seconds(10), maxAttachments: Int = 10,
        maxAttachmentBytes: Int = 1_000_000, maxRoomsPerSocket: Int = 64, recovery: SocketIORecoverySettings? = nil
    ) {
        self.recovery = recovery
        self.connectTimeout = connectTimeout
        self.ackTimeout = ackTimeout
        self.maxAttachments = maxAttachments
        self.maxAttachmentBytes = maxAttachmentBytes
        self.maxRoomsPerSocket = maxRoomsPerSocket
    }
}
