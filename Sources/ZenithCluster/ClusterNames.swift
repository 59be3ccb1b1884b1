/// The Redis keys and channels of one cluster, every one under `[cluster] prefix`, so that
/// several clusters (or other applications) can share one Redis.
public struct ClusterNames: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// Where nodes send the broadcasts they produce (publish API, watchers, notifications).
    public var broadcastChannel: String { self.prefix + ":broadcast" }
    /// Where nodes announce that they are up (with their address) or leaving.
    public var membershipChannel: String { self.prefix + ":nodes" }
    /// The lease naming the node that polls one watcher scope.
    public func leaseKey(scope: String) -> String { self.prefix + ":lease:" + scope }
    /// The last snapshot of one watcher scope, from which a new lease holder goes on.
    public func snapshotKey(scope: String) -> String { self.prefix + ":snapshot:" + scope }
    /// The stream of broadcasts, in one order for every node, with connection state recovery on.
    public var broadcastStream: String { self.prefix + ":stream" }
    /// The sockets of one node that may come back (connected ones, and lost ones until they expire).
    public func socketsKey(node: String) -> String { self.prefix + ":sockets:" + node }
    /// When each of one node's lost sockets was lost (a sorted set, scored in milliseconds).
    public func lostSocketsKey(node: String) -> String { self.prefix + ":lost:" + node }
    /// Marks that one node appended its copy of an event every node learns by itself (`id`).
    public func appendedCopyKey(id: String) -> String { self.prefix + ":copy:" + id }
}
