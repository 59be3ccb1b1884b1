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
}
