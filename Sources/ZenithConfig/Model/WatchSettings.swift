/// One `[[watch]]` entry: a backend JSON list (Horizon's servers) that Zenith polls once per scope
/// on behalf of every socket of that scope, and whose changes it emits as `watch:<name>` events.
public struct WatchSettings: Sendable, Hashable {
    /// Names the watcher in `watch` requests and the event (`watch:<name>`).
    public var name: String
    /// The upstream polled (the dashboard).
    public var upstream: String
    /// Path and query of the JSON endpoint.
    public var path: String
    /// Fixed headers of every poll (Horizon's REST API wants `X-Requested-With: XMLHttpRequest`).
    public var headers: [String: String]
    /// Key of the list in the answer's JSON object; empty when the answer is the list itself.
    public var items: String
    /// The item key that identifies an object across polls (`id`).
    public var key: String
    /// The item fields whose change is reported; other fields are ignored.
    public var fields: [String]
    /// Time between two polls of one scope.
    public var interval: Duration
    /// Longest time between two polls while nothing changes: each unchanged poll adds `interval`
    /// to the pause, up to this; a change or a socket that starts watching resets it. Equal to
    /// `interval` (the default) keeps the pace constant.
    public var idleInterval: Duration
    /// The scope as a room template over identity fields (`project:{project_id}`): the sockets whose
    /// identity fills it to the same room share one poller, which uses one of their sessions.
    public var room: String
    /// Longest wait for one poll's answer.
    public var timeout: Duration
    /// Largest answer accepted; a larger one counts as a failed poll.
    public var maxResponseBytes: Int

    public init(
        name: String, upstream: String, path: String, headers: [String: String], items: String, key: String,
        fields: [String], interval: Duration, idleInterval: Duration? = nil, room: String, timeout: Duration,
        maxResponseBytes: Int
    ) {
        self.name = name
        self.upstream = upstream
        self.path = path
        self.headers = headers
        self.items = items
        self.key = key
        self.fields = fields
        self.interval = interval
        self.idleInterval = max(idleInterval ?? interval, interval)
        self.room = room
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }
}
