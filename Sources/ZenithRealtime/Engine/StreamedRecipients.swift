import NIOConcurrencyHelpers
import NIOCore
import SocketIO

/// The recipients count of this node's own broadcasts in a cluster with recovery: such a
/// broadcast reaches this node's sockets only when the cluster's stream is read back, which may
/// happen before or after `XADD` answered with its offset. Whichever comes second completes the
/// count; a count not known within `patience` (the stream not read back: Redis went away) is 0.
/// Entries are bounded: beyond `maxEntries` the oldest are dropped (their counts answer 0).
final class StreamedRecipients: Sendable {
    private enum Entry {
        case waiting(EventLoopPromise<Int>)
        case delivered(Int)
    }

    static let maxEntries = 10_000
    static let patience = TimeAmount.seconds(5)

    private let entries = NIOLockedValueBox<(byOffset: [BroadcastOffset: Entry], order: CircularBuffer<BroadcastOffset>)>(([:], []))

    /// The count of the broadcast appended under `offset`, on `eventLoop`.
    func recipients(of offset: BroadcastOffset, on eventLoop: any EventLoop) -> EventLoopFuture<Int> {
        let promise = eventLoop.makePromise(of: Int.self)
        let (known, evicted): (Int?, [EventLoopPromise<Int>]) = self.entries.withLockedValue { entries in
            if case .delivered(let count)? = entries.byOffset.removeValue(forKey: offset) { return (count, []) }
            return (nil, self.insert(.waiting(promise), at: offset, into: &entries))
        }
        evicted.forEach { $0.succeed(0) }
        if let known {
            promise.succeed(known)
        } else {
            eventLoop.scheduleTask(in: Self.patience) { self.complete(offset, count: 0) }
        }
        return promise.futureResult
    }

    /// This node's broadcast `offset` was handed to `count` sockets.
    func delivered(_ offset: BroadcastOffset, count: Int) {
        let (promise, evicted): (EventLoopPromise<Int>?, [EventLoopPromise<Int>]) = self.entries.withLockedValue { entries in
            if case .waiting(let promise)? = entries.byOffset.removeValue(forKey: offset) { return (promise, []) }
            return (nil, self.insert(.delivered(count), at: offset, into: &entries))
        }
        promise?.succeed(count)
        evicted.forEach { $0.succeed(0) }
    }

    private func complete(_ offset: BroadcastOffset, count: Int) {
        let promise: EventLoopPromise<Int>? = self.entries.withLockedValue { entries in
            guard case .waiting(let promise)? = entries.byOffset[offset] else { return nil }
            entries.byOffset[offset] = nil
            return promise
        }
        promise?.succeed(count)
    }

    /// Adds an entry; returns the promises of the entries dropped for it, to be completed
    /// outside the lock.
    private func insert(
        _ entry: Entry, at offset: BroadcastOffset, into entries: inout (byOffset: [BroadcastOffset: Entry], order: CircularBuffer<BroadcastOffset>)
    ) -> [EventLoopPromise<Int>] {
        entries.byOffset[offset] = entry
        entries.order.append(offset)
        var evicted: [EventLoopPromise<Int>] = []
        while entries.order.count > Self.maxEntries, let oldest = entries.order.popFirst() {
            if case .waiting(let promise)? = entries.byOffset.removeValue(forKey: oldest) {
                evicted.append(promise)
            }
        }
        return evicted
    }
}
