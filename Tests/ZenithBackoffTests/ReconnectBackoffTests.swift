import NIOCore
import Testing
import ZenithBackoff

@Suite("reconnect backoff")
struct ReconnectBackoffTests {
    @Test("doubles up to its maximum, and jitter only shortens it")
    func doubling() {
        let backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 0.5)
        #expect(backoff.delay(attempt: 0, random: 0) == .milliseconds(100))
        #expect(backoff.delay(attempt: 3, random: 0) == .milliseconds(800))
        #expect(backoff.delay(attempt: 10, random: 0) == .seconds(2))
        #expect(backoff.delay(attempt: 1000, random: 0) == .seconds(2))
        #expect(backoff.delay(attempt: -1, random: 0) == .milliseconds(100))
        #expect(backoff.delay(attempt: 3, random: 0.5) == .milliseconds(600))
        #expect(backoff.delay(attempt: 3, random: 0.999) > .milliseconds(400))
    }

    @Test("jitter is held to 0...1")
    func jitterBounds() {
        #expect(ReconnectBackoff(initial: .seconds(1), maximum: .seconds(1), jitter: 3).jitter == 1)
        #expect(ReconnectBackoff(initial: .seconds(1), maximum: .seconds(1), jitter: -1).delay(attempt: 0, random: 0.9) == .seconds(1))
    }
}
