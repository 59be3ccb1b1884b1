import EngineIO
import NIOCore
import SocketIO
import ZenithJSON
import ZenithRedis

/// Connection state recovery's sockets kept in Redis, so that a client that reconnects to any
/// node of the cluster gets its socket back, also when the node that held it died: every socket
/// is written when it connects and when its rooms change (not only when it is lost, which a node
/// that dies never says).
///
/// A node's sockets are one hash, `<prefix>:sockets:<node>`, pid → `{"id","nsp","rooms","identity"}`;
/// when each was lost is in the sorted set `<prefix>:lost:<node>` (Redis's clock, milliseconds).
/// The pid names the node (`<node>.<random>`), so the node a client reaches knows where to look.
/// Both keys expire `recovery` after the node's last heartbeat; while it lives, its heartbeat
/// forgets the sockets lost longer ago than `recovery`. A socket still marked connected whose
/// node died is recoverable until the keys expire.
public struct ClusterSocketDirectory: SocketIORecoveryDirectory {
    let commands: RedisClient
    let names: ClusterNames
    let node: String
    let recovery: Duration

    private var socketsKey: String { self.names.socketsKey(node: self.node) }
    private var lostKey: String { self.names.lostSocketsKey(node: self.node) }
    private var recoveryMilliseconds: String { String(max(self.recovery.wholeMilliseconds, 1)) }

    public var keepsConnectedSockets: Bool { true }

    public func makePrivateID() -> String {
        EngineIOSessionID.make(owner: self.node, loopIndex: 0)
    }

    public func connected(pid: String, _ socket: SocketIOSavedSocket) {
        let script = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('ZREM', KEYS[2], ARGV[1])"
        self.run(script, pid, record: socket)
    }

    /// Written only while the socket is still kept: another node may have taken it already
    /// (its client came back there before this node saw the connection go).
    public func changed(pid: String, _ socket: SocketIOSavedSocket) {
        let script = "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end"
        self.run(script, pid, record: socket)
    }

    public func lost(pid: String, _ socket: SocketIOSavedSocket) {
        let script = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
              local now = redis.call('TIME')
              redis.call('ZADD', KEYS[2], now[1] * 1000 + math.floor(now[2] / 1000), ARGV[1])
            end
            """
        self.run(script, pid, record: socket)
    }

    public func left(pid: String) {
        _ = self.commands.send(
            "EVAL", "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1])", "2", self.socketsKey, self.lostKey, pid
        )
    }

    /// Looks in the hash of the node the pid names; a socket lost longer ago than `recovery` is
    /// forgotten, not returned. Redis unreachable: nil (a new socket).
    public func take(pid: String, namespace: String, on eventLoop: any EventLoop) -> EventLoopFuture<SocketIOSavedSocket?> {
        // The pid comes from the client: only an id of the shape this cluster makes (a node's
        // name, bounded, then the random part) is looked up, in the hash of the node it names.
        guard EngineIOSessionID.isWellFormed(pid), let owner = EngineIOSessionID.owner(of: pid[...]), !owner.isEmpty else {
            return eventLoop.makeSucceededFuture(nil)
        }
        let script = """
            local record = redis.call('HGET', KEYS[1], ARGV[1])
            if not record then return false end
            local lost = redis.call('ZSCORE', KEYS[2], ARGV[1])
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            if lost then
              local now = redis.call('TIME')
              if now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(lost) > tonumber(ARGV[2]) then return false end
            end
            return record
            """
        let (socketsKey, lostKey) = (self.names.socketsKey(node: String(owner)), self.names.lostSocketsKey(node: String(owner)))
        return self.commands.send("EVAL", script, "2", socketsKey, lostKey, pid, self.recoveryMilliseconds)
            .map { reply -> SocketIOSavedSocket? in
                guard case .bulkString(let bytes?) = reply, let saved = Self.decode(bytes), saved.namespace == namespace else { return nil }
                return saved
            }
            .recover { _ in nil }
            .hop(to: eventLoop)
    }

    /// The heartbeat's upkeep: the node's keys live `recovery` past this heartbeat (plus
    /// `margin`), and sockets lost longer ago than `recovery` are forgotten.
    func upkeep(margin: TimeAmount) {
        let script = """
            local now = redis.call('TIME')
            local cutoff = now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(ARGV[1])
            local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, 1000)
            for _, pid in ipairs(old) do
              redis.call('HDEL', KEYS[1], pid)
              redis.call('ZREM', KEYS[2], pid)
            end
            redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]))
            redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]))
            """
        _ = self.commands.send(
            "EVAL", script, "2", self.socketsKey, self.lostKey, self.recoveryMilliseconds, String(margin.nanoseconds / 1_000_000)
        )
    }

    /// At start: sockets a previous process of this node left marked connected (it died) are
    /// lost now, so that they expire in `recovery` like the others.
    func adoptPreviousProcess() -> EventLoopFuture<Void> {
        let script = """
            local now = redis.call('TIME')
            local ms = now[1] * 1000 + math.floor(now[2] / 1000)
            local pids = redis.call('HKEYS', KEYS[1])
            for _, pid in ipairs(pids) do
              if not redis.call('ZSCORE', KEYS[2], pid) then redis.call('ZADD', KEYS[2], ms, pid) end
            end
            return #pids
            """
        return self.commands.send("EVAL", script, "2", self.socketsKey, self.lostKey).map { _ in }
    }

    private func run(_ script: String, _ pid: String, record socket: SocketIOSavedSocket) {
        var record = ByteBuffer()
        JSONValue.object([
            "id": .string(socket.socketID), "nsp": .string(socket.namespace),
            "rooms": .array(socket.rooms.sorted().map(JSONValue.string)), "identity": socket.identity.map(JSONValue.string) ?? .null,
        ]).write(into: &record)
        _ = self.commands.send(
            RESPCommand(arguments: [
                .text("EVAL"), .text(script), .text("2"), .text(self.socketsKey), .text(self.lostKey), .text(pid), .bytes(record),
            ])
        )
    }

    /// A record as `run` wrote it; nil for anything else.
    static func decode(_ bytes: ByteBuffer) -> SocketIOSavedSocket? {
        guard case .object(let object)? = try? JSONValue(parsing: bytes), case .string(let id)? = object["id"],
            case .string(let namespace)? = object["nsp"], case .array(let roomValues)? = object["rooms"]
        else { return nil }
        let rooms = roomValues.compactMap(\.stringValue)
        guard rooms.count == roomValues.count else { return nil }
        return SocketIOSavedSocket(
            socketID: id, namespace: namespace, rooms: Set(rooms), identity: object["identity"]?.stringValue, at: .now()
        )
    }
}
