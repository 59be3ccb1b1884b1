import NIOCore

/// How long responses took, in the buckets Prometheus's duration histograms use (swift-prometheus's
/// default buckets, 5 ms to 10 s): the counts of one event loop, or the sum of every loop's.
public struct ResponseTimeHistogram: Sendable, Equatable {
    /// The buckets' upper bounds, in nanoseconds.
    public static let boundsNanoseconds: [Int64] = [
        5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]

    /// Per bucket, the times that fell in it and in no smaller one (the last slot: above every
    /// bound). One slot changes per record; the exposition makes them cumulative.
    public private(set) var counts = [Int](repeating: 0, count: Self.boundsNanoseconds.count + 1)
    public private(set) var sumNanoseconds: Int64 = 0
    public private(set) var count = 0

    init() {}

    mutating func record(_ elapsed: TimeAmount) {
        let nanoseconds = elapsed.nanoseconds
        var slot = 0
        while slot < Self.boundsNanoseconds.count && Self.boundsNanoseconds[slot] < nanoseconds {
            slot += 1
        }
        self.counts[slot] += 1
        self.sumNanoseconds &+= nanoseconds
        self.count += 1
    }

    mutating func add(_ other: ResponseTimeHistogram) {
        for slot in self.counts.indices {
            self.counts[slot] += other.counts[slot]
        }
        self.sumNanoseconds &+= other.sumNanoseconds
        self.count += other.count
    }

    /// Per bound, the times at or below it (Prometheus's `le` buckets).
    public var cumulativeCounts: [Int] {
        var total = 0
        return self.counts.dropLast().map { count in
            total += count
            return total
        }
    }
}
