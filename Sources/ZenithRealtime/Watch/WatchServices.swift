import Logging
import SocketIO
import ZenithCluster
import ZenithProxy

/// What every scope watcher of one `[[watch]]` entry shares: the way to the dashboard, the session
/// check, the poll bound, the way out to the sockets, and its metrics.
struct WatchServices: Sendable {
    var client: UpstreamClient
    var authenticator: SessionCookieAuthenticator
    var permits: PollPermits
    var metrics: WatchMetrics
    var logger: Logger
    /// Sends an event to a room on every event loop (and, in a cluster, to the other nodes).
    var emit: @Sendable (SocketIOBroadcast) -> Void
    /// The cluster, whose leases decide which node polls a scope; nil on one node.
    var cluster: ClusterNode?
}
