/// Where a broadcast stands in the order recovery replays from: on one node a sequence number
/// (`"17"`), in a cluster the id Redis gave the broadcast in the cluster's stream
/// (`"1733550000000-3"`, milliseconds and a sequence). Clients get it as text with each broadcast
/// and send the last one back when they reconnect.
public struct BroadcastOffset: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The stream id's milliseconds; 0 for a node's own sequence.
    public var milliseconds: UInt64
    public var sequence: UInt64

    public init(milliseconds: UInt64 = 0, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Reads `"N"` or `"M-N"` (decimal, no sign); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
            let last = UInt64(parts[parts.count - 1])
        else { return nil }
        if parts.count == 1 {
            self.init(sequence: last)
        } else {
            guard let milliseconds = UInt64(parts[0]), milliseconds > 0 else { return nil }
            self.init(milliseconds: milliseconds, sequence: last)
        }
    }

    /// Before every broadcast.
    public static let zero = BroadcastOffset(sequence: 0)

    /// The next offset of a node's own sequence.
    var successor: BroadcastOffset { BroadcastOffset(milliseconds: self.milliseconds, sequence: self.sequence + 1) }

    public var description: String {
        self.milliseconds == 0 ? String(self.sequence) : "\(self.milliseconds)-\(self.sequence)"
    }

    public static func < (lhs: BroadcastOffset, rhs: BroadcastOffset) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}
