import SocketIO
import ZenithRedis

/// Sorts what the cluster's subscriber receives: a broadcast from another node, an announcement,
/// or something to drop (this node's own broadcast coming back, a malformed message) with the
/// reason. Pure, so every channel's handling is tested without Redis.
public struct ClusterInbox: Sendable {
    /// Where a broadcast came from, for the metrics.
    public enum Source: String, Sendable {
        case node, pythonSocketIO = "python_socketio", redisEmitter = "redis_emitter"
    }

    /// What to do with one message.
    public enum Item: Sendable {
        case deliver(SocketIOBroadcast, from: Source)
        case announcement(ClusterAnnouncement)
        /// Dropped: `invalid` says whether it was malformed (logged) or expected (this node's own).
        case drop(reason: String, invalid: Bool)
    }

    public let ownNode: String
    public let names: ClusterNames

    public init(ownNode: String, names: ClusterNames) {
        self.ownNode = ownNode
        self.names = names
    }

    /// The channels the subscriber listens on.
    public var channels: [String] { [self.names.broadcastChannel, self.names.membershipChannel] }

    public func sort(_ message: RedisMessage) -> Item {
        switch message.channel {
        case self.names.broadcastChannel:
            do {
                let received = try ClusterBroadcast(decoding: message.payload)
                guard received.origin != self.ownNode else { return .drop(reason: "own broadcast", invalid: false) }
                return .deliver(received.broadcast, from: .node)
            } catch {
                return .drop(reason: error.description, invalid: true)
            }
        case self.names.membershipChannel:
            do {
                return .announcement(try ClusterAnnouncement(decoding: message.payload))
            } catch {
                return .drop(reason: error.description, invalid: true)
            }
        default:
            return .drop(reason: "message on unexpected channel \(message.channel)", invalid: true)
        }
    }
}
