/// `[realtime]`: the Engine.IO / Socket.IO engine behind `realtime` routes.
public struct RealtimeSettings: Sendable, Hashable {
    public var pingInterval: Duration
    public var pingTimeout: Duration
    /// Largest Engine.IO payload (HTTP body or WebSocket message) in bytes; above it 413 and close.
    public var maxPayload: Int
    /// A client that joins no namespace within this time is disconnected.
    public var connectTimeout: Duration
    /// Exact origins, `*.domain` patterns and `*` (any origin; `zenith check` warns) allowed on
    /// handshakes, polls and upgrades. Nil: with `auth`, only the dashboard's own origin (the
    /// request's scheme and Host), which is also allowed beside a list; without `auth` (development,
    /// demo), any origin.
    public var allowedOrigins: [String]?
    /// Accept handshakes without an Origin header (non-browser clients such as python-socketio).
    public var allowMissingOrigin: Bool
    /// The namespaces clients may connect to.
    public var namespaces: [String]
    public var maxRoomsPerSocket: Int
    /// Frames queued for one client before it is disconnected as a slow consumer.
    public var maxQueuedPackets: Int
    /// Open sessions one client IP may hold; beyond it handshakes get 429.
    public var maxSessionsPerIP: Int = 1000
    /// Watcher polls (`[[watch]]`) in flight at once, over all scopes; more wait their turn.
    public var maxConcurrentPolls: Int = 8
    /// Connection state recovery: how long a socket that lost its connection can come back with
    /// its id, rooms and missed broadcasts. Zero (the default) turns it off.
    public var recovery: Duration = .zero
    /// Where a stopping process writes what recovery keeps, for the next one on this node (the
    /// sockets its drain dropped); nil: kept in memory only.
    public var recoveryFile: String?
    /// Session-cookie authentication; nil means anonymous clients (development, demo).
    public var auth: RealtimeAuthSettings?

    public init(
        pingInterval: Duration, pingTimeout: Duration, maxPayload: Int, connectTimeout: Duration,
        allowedOrigins: [String]?, allowMissingOrigin: Bool, namespaces: [String], maxRoomsPerSocket: Int,
        maxQueuedPackets: Int, auth: RealtimeAuthSettings? = nil
    ) {
        self.auth = auth
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.connectTimeout = connectTimeout
        self.allowedOrigins = allowedOrigins
        self.allowMissingOrigin = allowMissingOrigin
        self.namespaces = namespaces
        self.maxRoomsPerSocket = maxRoomsPerSocket
        self.maxQueuedPackets = maxQueuedPackets
    }
}

/// `[publish]`: the HTTP API through which backends publish events to rooms.
public struct PublishSettings: Sendable, Hashable {
    public var listen: HostAndPort
    /// File holding the bearer token (read at start and on reload, never logged).
    public var tokenFile: String
    /// Largest accepted publish body.
    public var maxBodyBytes: Int

    public init(listen: HostAndPort, tokenFile: String, maxBodyBytes: Int) {
        self.listen = listen
        self.tokenFile = tokenFile
        self.maxBodyBytes = maxBodyBytes
    }
}
