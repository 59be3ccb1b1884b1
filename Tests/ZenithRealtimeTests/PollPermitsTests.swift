import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import ZenithRealtime

@Suite("the bound on concurrent watcher polls")
struct PollPermitsTests {
    @Test("beyond the bound a poll waits for a permit, and waiters run in arrival order")
    func waitsInLine() {
        let loop = EmbeddedEventLoop()
        let permits = PollPermits(count: 2)
        let ran = NIOLockedValueBox<[Int]>([])
        for index in 0..<4 {
            permits.acquire(on: loop) { ran.withLockedValue { $0.append(index) } }
        }
        loop.run()
        #expect(ran.withLockedValue { $0 } == [0, 1])
        permits.release()
        loop.run()
        #expect(ran.withLockedValue { $0 } == [0, 1, 2])
        permits.release()
        permits.release()
        loop.run()
        #expect(ran.withLockedValue { $0 } == [0, 1, 2, 3])
        permits.release()
        permits.acquire(on: loop) { ran.withLockedValue { $0.append(4) } }
        loop.run()
        #expect(ran.withLockedValue { $0 } == [0, 1, 2, 3, 4])
    }
}
