/// `[cluster]`: Zenith on several nodes sharing one Redis. Without it Redis is never contacted.
public struct ClusterSettings: Sendable, Hashable {
    /// `redis://[user@]host:port/db` or `rediss://...`. A password written here is accepted but
    /// `password_file` is preferred (a warning says so); it is never logged either way.
    public var redis: String
    /// A file holding the Redis password alone (resolved against the config file's folder).
    public var passwordFile: String?
    /// CA bundle for `rediss://` (PEM); the system's trust store when absent.
    public var caFile: String?
    /// This node's unique name: letters, digits, `-` and `_`, at most 32 characters. It is the
    /// start of every Engine.IO sid this node hands out. Default: the host name up to its first dot.
    public var node: String
    /// Where the other nodes reach this node's plain HTTP listener (`host:port`).
    public var advertise: HostAndPort
    /// The start of every Redis key and channel Zenith uses. Default "zenith".
    public var prefix: String
    /// The channel python-socketio's `RedisManager` publishes on (its `channel` argument).
    /// Default "socketio".
    public var pythonChannel: String
    /// The key prefix of `@socket.io/redis-emitter` (its `key` option). Default "socket.io".
    public var emitterKey: String

    public init(
        redis: String, passwordFile: String? = nil, caFile: String? = nil, node: String, advertise: HostAndPort,
        prefix: String = "zenith", pythonChannel: String = "socketio", emitterKey: String = "socket.io"
    ) {
        self.redis = redis
        self.passwordFile = passwordFile
        self.caFile = caFile
        self.node = node
        self.advertise = advertise
        self.prefix = prefix
        self.pythonChannel = pythonChannel
        self.emitterKey = emitterKey
    }

    /// Whether `name` can be a node name (it is carried in sids and Redis keys).
    public static func isValidNodeName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.count <= 32
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
