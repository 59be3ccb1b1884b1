import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import ZenithRedis

/// The cluster's broadcasts in one order, with connection state recovery on: every node appends
/// the broadcasts it produces to the Redis stream `<prefix>:stream` (`XADD`), and every node,
/// the producer included, delivers the stream's entries to its own sockets in the stream's order
/// with their ids as offsets. So an offset means the same on every node, and a client that comes
/// back to another node gets what it missed from that node's copy of the stream.
///
/// Each node reads on its own connection (`XREAD BLOCK`), starting `recovery` back in time so that
/// a node just started can replay what a socket missed before it was there. After Redis was
/// away it goes on from the last entry it read; entries Redis dropped meanwhile (the stream is
/// capped) are reported to `forget`. The stream is trimmed to `recovery` by every node's heartbeat
/// and capped at `maxEntries`.
final class ClusterBroadcastStream: Sendable {
    /// Entries kept at most (`XADD MAXLEN ~`), whatever their age.
    static let maxEntries = 100_000
    /// The largest entry appended: a larger broadcast crosses Redis by pub/sub, without an
    /// offset (`ClusterNode.append`), so that every read fits in one reply.
    public static let maxEntryBytes = 1 << 20
    /// Entries read at most per `XREAD`: at `maxEntryBytes` each, a reply stays within the
    /// Redis client's bound of 32 MiB (`RESPLimits.maxReplyBytes`); a reply beyond it would close
    /// the reader's connection and be asked again after every reconnection.
    static let readBatch = 16

    private let commands: RedisClient
    private let reader: RedisClient
    private let key: String
    private let recovery: Duration
    private let logger: Logger
    private let metrics: ClusterMetrics
    /// The id of the last entry read (where the next read starts), and whether reading stopped.
    private let position = NIOLockedValueBox<(last: String, stopped: Bool, caughtUp: Bool)>(("0-0", false, false))
    /// Succeeded once a read found no more entries than it could take: the node has read the
    /// stream's past (`caughtUp`).
    private let firstCatchUp: EventLoopPromise<Void>

    init(commands: RedisClient, reader: RedisClient, names: ClusterNames, recovery: Duration, logger: Logger, metrics: ClusterMetrics) {
        self.commands = commands
        self.reader = reader
        self.key = names.broadcastStream
        self.recovery = recovery
        self.logger = logger
        self.metrics = metrics
        self.firstCatchUp = reader.eventLoop.makePromise()
    }

    /// Succeeds once the node has read the stream up to now (at start it reads `recovery` back),
    /// so that it can replay to a socket what it missed before the node was there.
    var caughtUp: EventLoopFuture<Void> { self.firstCatchUp.futureResult }

    private var recoveryMilliseconds: Int64 { self.recovery.wholeMilliseconds }

    /// Appends a broadcast this node produced (`ClusterBroadcast`'s bytes, at most
    /// `maxEntryBytes`); the future carries its id (it reaches this node's sockets when the
    /// stream is read back).
    func append(_ payload: ByteBuffer) -> EventLoopFuture<BroadcastOffset> {
        let command = RESPCommand(arguments: [
            .text("XADD"), .text(self.key), .text("MAXLEN"), .text("~"), .text(String(Self.maxEntries)), .text("*"),
            .text("m"), .bytes(payload),
        ])
        return self.commands.send(command).flatMapThrowing { reply in
            guard let id = reply.string, let offset = BroadcastOffset(id) else { throw ClusterMessageError("XADD answered \(reply)") }
            return offset
        }
    }

    /// Appends a broadcast every node learns by itself (its own copy of a notification) unless
    /// a node appended its copy already: `copyKey` marks it for `keep`. The future carries the
    /// id, or nil when another node's copy is in the stream.
    func appendOnce(_ payload: ByteBuffer, copyKey: String, keep: TimeAmount) -> EventLoopFuture<BroadcastOffset?> {
        let script = """
            if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
              return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[3])
            end
            return false
            """
        let command = RESPCommand(arguments: [
            .text("EVAL"), .text(script), .text("2"), .text(copyKey), .text(self.key),
            .text(String(max(keep.nanoseconds / 1_000_000, 1))), .text(String(Self.maxEntries)), .bytes(payload),
        ])
        return self.commands.send(command).flatMapThrowing { reply in
            if reply.isNull { return nil }
            guard let id = reply.string, let offset = BroadcastOffset(id) else { throw ClusterMessageError("XADD answered \(reply)") }
            return offset
        }
    }

    /// Starts reading: entries go to `deliver` in the stream's order (on the reader's event
    /// loop; it must not block). `forget` is told first that nothing before the start (`recovery`
    /// back in time, by Redis's clock, which also makes the ids) is known.
    func start(
        deliver: @escaping @Sendable (ClusterBroadcast, BroadcastOffset) -> Void, forget: @escaping @Sendable (BroadcastOffset) -> Void
    ) {
        guard !self.position.withLockedValue({ $0.stopped }) else { return }
        self.reader.waitUntilUp().flatMap { self.reader.send("TIME") }.whenComplete { result in
            guard case .success(let reply) = result, let parts = reply.array, parts.count == 2,
                let seconds = parts[0].integer, let microseconds = parts[1].integer
            else {
                self.reader.eventLoop.scheduleTask(in: .seconds(1)) { self.start(deliver: deliver, forget: forget) }
                return
            }
            let now = seconds * 1000 + microseconds / 1000
            let start = BroadcastOffset(milliseconds: UInt64(max(now - self.recoveryMilliseconds, 1)), sequence: 0)
            self.position.withLockedValue { $0.last = start.description }
            forget(start)
            self.readNext(deliver: deliver, forget: forget)
        }
    }

    /// Trims entries older than `recovery` (each node's heartbeat; any node's does it for all).
    func upkeep() {
        let script = """
            local now = redis.call('TIME')
            local oldest = now[1] * 1000 + math.floor(now[2] / 1000) - tonumber(ARGV[1])
            if oldest > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d-0', oldest)) end
            """
        _ = self.commands.send("EVAL", script, "1", self.key, String(self.recoveryMilliseconds))
    }

    /// Stops reading (before the reader's connection is closed).
    func stop() {
        self.position.withLockedValue { $0.stopped = true }
    }

    private func readNext(
        deliver: @escaping @Sendable (ClusterBroadcast, BroadcastOffset) -> Void, forget: @escaping @Sendable (BroadcastOffset) -> Void
    ) {
        let (last, stopped, caughtUp) = self.position.withLockedValue { $0 }
        guard !stopped else { return }
        // The past at once (no wait when there is none), then waiting up to 2 s for new entries.
        let wait: [String] = caughtUp ? ["BLOCK", "2000"] : []
        let command = RESPCommand(
            arguments: (["XREAD", "COUNT", String(Self.readBatch)] + wait + ["STREAMS", self.key, last]).map(RESPCommand.Argument.text)
        )
        self.reader.send(command).whenComplete { result in
            switch result {
            case .success(let reply):
                let entries = Self.entries(of: reply)
                if !caughtUp && entries.count < Self.readBatch {
                    self.position.withLockedValue { $0.caughtUp = true }
                    self.firstCatchUp.succeed()
                }
                for (id, fields) in entries {
                    self.position.withLockedValue { $0.last = id }
                    guard let offset = BroadcastOffset(id), let payload = fields["m"] else {
                        self.dropped("stream entry \(id) is not a broadcast")
                        continue
                    }
                    do {
                        deliver(try ClusterBroadcast(decoding: payload), offset)
                    } catch {
                        self.dropped("stream entry \(id): \(error)")
                    }
                }
                self.readNext(deliver: deliver, forget: forget)
            case .failure:
                // Down: go on once the connection is back, from the last entry read, after
                // telling `forget` what Redis dropped meanwhile.
                guard !self.position.withLockedValue({ $0.stopped }) else { return }
                self.reader.waitUntilUp().flatMap { self.droppedWhileAway() }.whenComplete { result in
                    if case .success(let dropped?) = result {
                        forget(dropped)
                    }
                    if case .failure = result {
                        self.reader.eventLoop.scheduleTask(in: .seconds(1)) { self.readNext(deliver: deliver, forget: forget) }
                        return
                    }
                    self.readNext(deliver: deliver, forget: forget)
                }
            }
        }
    }

    /// The last id Redis dropped from the stream, when it is after the last entry read.
    private func droppedWhileAway() -> EventLoopFuture<BroadcastOffset?> {
        let last = self.position.withLockedValue { BroadcastOffset($0.last) } ?? .zero
        return self.reader.send("XINFO", "STREAM", self.key).map { reply -> BroadcastOffset? in
            guard let fields = reply.array else { return nil }
            var index = 0
            while index + 1 < fields.count {
                if fields[index].string == "max-deleted-entry-id", let text = fields[index + 1].string, let deleted = BroadcastOffset(text) {
                    return deleted > last ? deleted : nil
                }
                index += 2
            }
            return nil
        }.recover { _ in nil }  // no stream yet: nothing was dropped
    }

    private func dropped(_ reason: String) {
        self.metrics.dropped()
        self.logger.notice("cluster message dropped", metadata: ["reason": "\(reason)"])
    }

    /// The entries of an `XREAD` reply (`[[key, [[id, [field, value, …]], …]]]`, nil when none
    /// came in time), with their fields.
    static func entries(of reply: RESPValue) -> [(id: String, fields: [String: ByteBuffer])] {
        guard let streams = reply.array else { return [] }
        var entries: [(id: String, fields: [String: ByteBuffer])] = []
        for stream in streams {
            guard let parts = stream.array, parts.count == 2, let items = parts[1].array else { continue }
            for item in items {
                guard let pair = item.array, pair.count == 2, let id = pair[0].string else { continue }
                var fields: [String: ByteBuffer] = [:]
                let values = pair[1].array ?? []
                var index = 0
                while index + 1 < values.count {
                    if let name = values[index].string, case .bulkString(let value?) = values[index + 1] {
                        fields[name] = value
                    }
                    index += 2
                }
                entries.append((id, fields))
            }
        }
        return entries
    }
}
