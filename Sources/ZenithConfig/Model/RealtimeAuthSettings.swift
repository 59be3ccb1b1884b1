/// `[realtime.auth]`: how realtime clients are authenticated with their dashboard session cookie,
/// and which rooms their identity puts them in.
public struct RealtimeAuthSettings: Sendable, Hashable {
    /// The upstream that answers the auth endpoint (the dashboard).
    public var upstream: String
    /// Path of the endpoint that returns the session's identity as JSON (Horizon:
    /// `/dashboard/api/keystone/user-session/`).
    public var endpoint: String
    /// Names of the cookies forwarded to the endpoint; no other cookie leaves Zenith.
    public var cookies: [String]
    /// Fixed headers sent with every probe (Horizon wants `X-Requested-With: XMLHttpRequest`).
    public var headers: [String: String]
    /// How long an accepted and a refused verdict are reused.
    public var cacheTTL: Duration
    public var negativeTTL: Duration
    /// Live sockets are checked again this often (with Horizon each check extends the session).
    public var revalidate: Duration
    /// Longest wait for the endpoint's answer.
    public var timeout: Duration
    /// Identity name → key of the endpoint's JSON answer (`id`, `project_id`, `name`, `roles`...).
    public var fields: [String: String]
    /// Rooms every socket joins, as templates over identity fields (`project:{project_id}`).
    public var rooms: [String]
    /// Patterns of the rooms a socket may `subscribe` to (`project:{project_id}:*`).
    public var subscribe: [String]

    public init(
        upstream: String, endpoint: String, cookies: [String], headers: [String: String], cacheTTL: Duration,
        negativeTTL: Duration, revalidate: Duration, timeout: Duration, fields: [String: String], rooms: [String],
        subscribe: [String]
    ) {
        self.upstream = upstream
        self.endpoint = endpoint
        self.cookies = cookies
        self.headers = headers
        self.cacheTTL = cacheTTL
        self.negativeTTL = negativeTTL
        self.revalidate = revalidate
        self.timeout = timeout
        self.fields = fields
        self.rooms = rooms
        self.subscribe = subscribe
    }
}
