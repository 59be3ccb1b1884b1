/// The settings of an Engine.IO server, announced to clients in the open packet where the
/// protocol says so.
public struct EngineIOConfiguration: Sendable {
    public var pingInterval: Duration
    public var pingTimeout: Duration
    /// Largest accepted HTTP body or WebSocket message, in bytes; announced as `maxPayload`.
    public var maxPayload: Int
    /// How long a probing WebSocket may take to send the `5` upgrade packet.
    public var upgradeTimeout: Duration
    /// Packets queued for one client before it counts as a slow consumer and is disconnected.
    public var maxQueuedPackets: Int
    /// Packets accepted in one polling POST.
    public var maxPacketsPerPoll: Int
    /// Which browser origins may talk to the server; also drives the CORS answers of polling.
    public var origins: OriginPolicy
    /// Open sessions one client IP may hold; further handshakes are answered 429.
    public var maxSessionsPerAddress: Int
    /// The node named at the start of every sid (`EngineIOSessionID`) in a cluster; "" on one node.
    /// A request whose sid names another node is answered "Session ID unknown" here.
    public var sessionOwner: String

    public init(
        pingInterval: Duration = .seconds(25), pingTimeout: Duration = .seconds(20), maxPayload: Int = 1_000_000,
        upgradeTimeout: Duration = .seconds(10), maxQueuedPackets: Int = 1024, maxPacketsPerPoll: Int = 256,
        origins: OriginPolicy = .any, maxSessionsPerAddress: Int = 1000, sessionOwner: String = ""
    ) {
        self.sessionOwner = sessionOwner
        self.maxSessionsPerAddress = maxSessionsPerAddress
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgradeTimeout = upgradeTimeout
        self.maxQueuedPackets = maxQueuedPackets
        self.maxPacketsPerPoll = maxPacketsPerPoll
        self.origins = origins
    }
}
