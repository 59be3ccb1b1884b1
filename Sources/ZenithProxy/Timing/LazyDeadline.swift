import NIOCore

/// A timeout that is re-armed by moving a deadline, not by rescheduling a task.
///
/// Keep-alive, response and pool-idle timeouts are re-armed once per request; scheduling and
/// cancelling a NIO task each time costs an allocation and a heap operation per request. Here
/// `arm` only stores a deadline; the one scheduled check, when it fires, reschedules itself for
/// whatever time is left or calls `onExpiry`. Confined to its event loop.
///
/// `onExpiry` may hold its owner strongly: `cancel()`, which the owner calls when it goes away,
/// drops it. Owners are hot objects (connection handlers), and a `weak` reference to one would
/// give it a side table that sends every retain and release of it down the runtime's slow path
/// (measured: 5% of the proxy's CPU time in `RefCounts::doDecrementSlow` and `incrementSlow`).
final class LazyDeadline {
    private let eventLoop: EventLoop
    private var onExpiry: (() -> Void)?
    private var deadline: NIODeadline?
    private var check: Scheduled<Void>?
    private var checkAt: NIODeadline?

    init(eventLoop: EventLoop, onExpiry: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.onExpiry = onExpiry
    }

    /// Expire `duration` from now (replacing any earlier arming).
    func arm(_ duration: TimeAmount) {
        let deadline = NIODeadline.now() + duration
        self.deadline = deadline
        if let checkAt = self.checkAt, checkAt <= deadline {
            return  // the pending check fires first and reschedules for the rest
        }
        self.scheduleCheck(at: deadline)
    }

    /// Armed and not yet expired, disarmed or cancelled.
    var isArmed: Bool { self.deadline != nil }

    /// Do not expire (a pending check finds nothing to do).
    func disarm() {
        self.deadline = nil
    }

    /// Disarm, drop the pending check and `onExpiry` (the owner is going away).
    func cancel() {
        self.onExpiry = nil
        self.deadline = nil
        self.check?.cancel()
        self.check = nil
        self.checkAt = nil
    }

    private func scheduleCheck(at time: NIODeadline) {
        self.check?.cancel()
        self.checkAt = time
        // Held until it fires or `cancel()` drops it.
        self.check = self.eventLoop.assumeIsolated().scheduleTask(deadline: time) {
            self.fire()
        }
    }

    private func fire() {
        self.check = nil
        self.checkAt = nil
        guard let deadline = self.deadline else { return }
        if deadline <= .now() {
            self.deadline = nil
            self.onExpiry?()
        } else {
            self.scheduleCheck(at: deadline)
        }
    }
}
