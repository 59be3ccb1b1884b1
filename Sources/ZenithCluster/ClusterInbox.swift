import SocketIO
import ZenithRedis

/// Sorts what the cluster's subscriber receives: a broadcast from another node, python-socketio's
/// `RedisManager` or `@socket.io/redis-emitter`, an announcement, or something to drop (this
/// node's own broadcast coming back, a malformed message, what an emitter asks that Zenith does
/// not do) with the reason. Pure, so every channel's handling is tested without Redis.
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
    public let pythonChannel: String
    private let python: PythonSocketIOMessageDecoder
    private let emitter: RedisEmitterMessageDecoder

    /// Reads python-socketio's messages on `pythonChannel` and the redis-emitter's under
    /// `emitterKey`, for the `namespaces` this node serves.
    public init(ownNode: String, names: ClusterNames, pythonChannel: String, emitterKey: String, namespaces: Set<String>) {
        self.ownNode = ownNode
        self.names = names
        self.pythonChannel = pythonChannel
        self.python = PythonSocketIOMessageDecoder(namespaces: namespaces)
        self.emitter = RedisEmitterMessageDecoder(key: emitterKey, namespaces: namespaces)
    }

    /// The channels the subscriber listens on.
    public var channels: [String] { [self.names.broadcastChannel, self.names.membershipChannel, self.pythonChannel] }
    /// The patterns the subscriber listens on.
    public var patterns: [String] { [self.emitter.channelPattern] }

    public func sort(_ message: RedisMessage) -> Item {
        if message.pattern == self.emitter.channelPattern {
            return Self.item(self.emitter.decode(channel: message.channel, payload: message.payload), from: .redisEmitter)
        }
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
        case self.pythonChannel:
            return Self.item(self.python.decode(message.payload), from: .pythonSocketIO)
        default:
            return .drop(reason: "message on unexpected channel \(message.channel)", invalid: true)
        }
    }

    private static func item(_ message: EmitterMessage, from source: Source) -> Item {
        switch message {
        case .broadcast(let broadcast): return .deliver(broadcast, from: source)
        case .skip(let reason): return .drop(reason: "\(source.rawValue): \(reason)", invalid: true)
        }
    }
}
