import NIOCore
import ZenithRedis

/// Leases: one node of the cluster does a job (polling a watcher scope) while it renews its
/// lease; the others see the lease held elsewhere and wait, and take over once it expires or is
/// released. Plus the job's last state, kept in Redis so that a new holder goes on from it.
extension ClusterNode {
    /// The answer to a claim.
    public enum LeaseClaim: Sendable, Equatable {
        /// This node holds the lease (taken now, or renewed).
        case held
        /// Another node holds it.
        case heldElsewhere
        /// Redis cannot be asked: each node does the job for its own clients meanwhile.
        case unreachable
    }

    /// Takes the lease `name` when free, or renews it when this node holds it, for `ttl`: one
    /// round trip (`SET NX PX`, else `PEXPIRE` when the value is this node's name).
    public func claimLease(_ name: String, for ttl: TimeAmount) -> EventLoopFuture<LeaseClaim> {
        let script = """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
            if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
            return 0
            """
        let milliseconds = String(max(ttl.nanoseconds / 1_000_000, 1))
        return self.commands.send("EVAL", script, "1", self.names.leaseKey(scope: name), self.settings.node, milliseconds)
            .map { $0.integer == 1 ? LeaseClaim.held : .heldElsewhere }
            .recover { _ in .unreachable }
    }

    /// Gives the lease `name` up if this node holds it, so that another node takes over at once.
    public func releaseLease(_ name: String) {
        let script = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
        _ = self.commands.send("EVAL", script, "1", self.names.leaseKey(scope: name), self.settings.node)
    }

    /// Keeps `state` as the last state of the job `name` for `ttl` (best effort: a new holder that
    /// finds none starts afresh).
    public func saveState(_ state: ByteBuffer, of name: String, for ttl: TimeAmount) {
        let milliseconds = String(max(ttl.nanoseconds / 1_000_000, 1))
        _ = self.commands.send(
            RESPCommand(arguments: [.text("SET"), .text(self.names.snapshotKey(scope: name)), .bytes(state), .text("PX"), .text(milliseconds)])
        )
    }

    /// The last state kept for the job `name`, or nil (none, or Redis unreachable).
    public func loadState(of name: String) -> EventLoopFuture<ByteBuffer?> {
        self.commands.send("GET", self.names.snapshotKey(scope: name)).map { reply in
            if case .bulkString(let bytes) = reply { return bytes }
            return nil
        }.recover { _ in nil }
    }
}
