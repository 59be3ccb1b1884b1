import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import SocketIO

@Suite("broadcast relay")
struct BroadcastRelayTests {
    private let broadcast = SocketIOBroadcast(to: .namespace, event: "changed", arguments: [])

    @Test("drops broadcasts until a handler is set, then hands each one on")
    func relaysOnceSet() {
        let relay = BroadcastRelay()
        let received = NIOLockedValueBox<[String]>([])
        #expect(!relay.relay(self.broadcast))
        relay.set { broadcast in received.withLockedValue { $0.append(broadcast.event) } }
        #expect(relay.relay(self.broadcast))
        #expect(received.withLockedValue { $0 } == ["changed"])
    }

    /// A closure kept in a `NIOLockedValueBox` and read through its `inout` accessor gained two
    /// reabstraction thunks per read: after a few dozen broadcasts the handler was called under a
    /// chain deeper than the 128 frames `callStackReturnAddresses` reports.
    @Test("a handler is called at the same stack depth after thousands of broadcasts")
    func callDepthStaysTheSame() {
        let relay = BroadcastRelay()
        let depths = NIOLockedValueBox<[Int]>([])
        relay.set { _ in
            let depth = Thread.callStackReturnAddresses.count
            depths.withLockedValue { $0.append(depth) }
        }
        for _ in 0..<2_000 {
            relay.relay(self.broadcast)
        }
        let seen = depths.withLockedValue { $0 }
        #expect(seen.count == 2_000)
        #expect(seen.first! < 100)
        #expect(Set(seen).count == 1, "depths seen: \(Set(seen).sorted())")
    }
}
