import NIOCore

/// A timeout that is re-armed by moving a deadline, not by rescheduling a task.
///
/// Keep-alive, response and pool-idle timeouts are re-armed once per request; scheduling and
/// cancelling a NIO task each time costs an allocation and a heap operation per request. Here
/// `arm` only stores a deadline; the one scheduled check, when it fires, reschedules itself for
/// whatever time is left or calls `onExpiry`. Confined to its event loop.
final class LazyDeadline {
    private let eventLoop: EventLoop
    private let onExpiry: () -> Void
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

    /// Do not expire (a pending check finds nothing to do).
    func disarm() {
        self.deadline = nil
    }

    /// Disarm and drop the pending check (the owner is going away).
    func cancel() {
        self.deadline = nil
        self.check?.cancel()
        self.check = nil
        self.checkAt = nil
    }

    private func scheduleCheck(at time: NIODeadline) {
        self.check?.cancel()
        self.checkAt = time
        self.check = self.eventLoop.assumeIsolated().scheduleTask(deadline: time) { [weak self] in
            self?.fire()
        }
    }

    private func fire() {
        self.check = nil
        self.checkAt = nil
        guard let deadline = self.deadline else { return }
        if deadline <= .now() {
            self.deadline = nil
            self.onExpiry()
        } else {
            self.scheduleCheck(at: deadline)
        }
    }
}
