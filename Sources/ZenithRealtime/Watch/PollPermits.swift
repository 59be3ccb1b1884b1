import NIOConcurrencyHelpers
import NIOCore

/// Bounds the watcher polls in flight over every scope and event loop (`[realtime]
/// max_concurrent_polls`), so that many scopes starting at once cannot flood the dashboard. A poll
/// that finds no permit waits in line and runs, on its own event loop, when one is returned.
final class PollPermits: Sendable {
    private struct Waiter {
        var eventLoop: EventLoop
        var run: @Sendable () -> Void
    }

    private struct State {
        var available: Int
        var waiting = CircularBuffer<Waiter>()
    }

    private let state: NIOLockedValueBox<State>

    init(count: Int) {
        self.state = NIOLockedValueBox(State(available: count))
    }

    /// Runs `body` on `eventLoop` once a permit is held; `body` must call `release()` exactly once.
    func acquire(on eventLoop: EventLoop, _ body: @escaping @Sendable () -> Void) {
        let granted = self.state.withLockedValue { state -> Bool in
            guard state.available > 0 else {
                state.waiting.append(Waiter(eventLoop: eventLoop, run: body))
                return false
            }
            state.available -= 1
            return true
        }
        if granted {
            eventLoop.execute(body)
        }
    }

    /// Returns a permit: the longest waiter gets it, or it becomes available.
    func release() {
        let next = self.state.withLockedValue { state -> Waiter? in
            guard let waiter = state.waiting.popFirst() else {
                state.available += 1
                return nil
            }
            return waiter
        }
        if let next {
            next.eventLoop.execute(next.run)
        }
    }
}
