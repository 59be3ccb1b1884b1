import Logging
import Metrics
import ZenithRedis

/// The cluster's metrics: `zenith_cluster_redis_up{connection}`, `zenith_cluster_peers`,
/// `zenith_cluster_broadcasts_total{direction,result}`, `zenith_cluster_dropped_total` and
/// `zenith_cluster_forwards_total` (requests sent on to the node that owns their session).
struct ClusterMetrics: Sendable {
    enum Connection: String {
        case commands, subscriber
    }

    private let commandsUp = Gauge(label: "zenith_cluster_redis_up", dimensions: [("connection", "commands")])
    private let subscriberUp = Gauge(label: "zenith_cluster_redis_up", dimensions: [("connection", "subscriber")])
    private let peerCount = Gauge(label: "zenith_cluster_peers")
    private let sent = Counter(label: "zenith_cluster_broadcasts_total", dimensions: [("direction", "sent"), ("result", "ok")])
    private let notSent = Counter(label: "zenith_cluster_broadcasts_total", dimensions: [("direction", "sent"), ("result", "failed")])
    private let fromNodes = Counter(label: "zenith_cluster_broadcasts_total", dimensions: [("direction", "received"), ("result", "node")])
    private let fromPython = Counter(
        label: "zenith_cluster_broadcasts_total", dimensions: [("direction", "received"), ("result", "python_socketio")]
    )
    private let fromEmitter = Counter(
        label: "zenith_cluster_broadcasts_total", dimensions: [("direction", "received"), ("result", "redis_emitter")]
    )
    private let droppedMessages = Counter(label: "zenith_cluster_dropped_total")
    private let forwards = Counter(label: "zenith_cluster_forwards_total")

    func redisStateChanged(_ state: RedisConnectionState, connection: Connection, logger: Logger) {
        (connection == .commands ? self.commandsUp : self.subscriberUp).record(state == .up ? 1 : 0)
        switch state {
        case .up: logger.info("cluster: Redis connection up", metadata: ["connection": "\(connection.rawValue)"])
        case .down(let reason):
            logger.warning(
                "cluster: Redis connection down, retrying", metadata: ["connection": "\(connection.rawValue)", "reason": "\(reason)"]
            )
        case .connecting, .shutDown: break
        }
    }

    func peers(_ count: Int) {
        self.peerCount.record(count)
    }

    func published(ok: Bool) {
        (ok ? self.sent : self.notSent).increment()
    }

    func received(_ source: ClusterInbox.Source) {
        switch source {
        case .node: self.fromNodes.increment()
        case .pythonSocketIO: self.fromPython.increment()
        case .redisEmitter: self.fromEmitter.increment()
        }
    }

    func dropped() {
        self.droppedMessages.increment()
    }

    func forwarded() {
        self.forwards.increment()
    }
}
