import NIOCore

/// The timers of one event loop's sessions (ping due, pong overdue, upgrade overdue), kept in
/// first-in-first-out lanes, one per duration, with at most one task scheduled per lane.
///
/// Every session of a server waits the same `pingInterval`, `pingTimeout` and `upgradeTimeout`,
/// so the timers of one duration expire in the order they were armed: a lane is a queue, arming
/// is an append, and only its head needs a task on the event loop. A task scheduled per session
/// and timer (a promise, a closure and a heap slot, about 300 bytes; heaptrack, 1,000 idle
/// WebSocket clients) was the largest part of an idle session's timers; an entry here is 24.
/// A timer cancelled before its time stays in its lane until then and is skipped: the session
/// only acts on the token of the timer it still has armed. Owned by the loop's session registry
/// and confined to its loop.
final class EngineIOSessionTimers {
    /// What a timer is for.
    enum Kind: UInt8 {
        case ping
        case pong
        case upgrade
    }

    private struct Entry {
        let deadline: NIODeadline
        let session: EngineIOSession
        let token: UInt32
        let kind: Kind
    }

    /// The timers of one duration, soonest first.
    private final class Lane {
        let delay: TimeAmount
        var entries = CircularBuffer<Entry>()
        var isScheduled = false

        init(delay: TimeAmount) {
            self.delay = delay
        }
    }

    private let eventLoop: EventLoop
    /// A server has three durations at most, so a list is searched.
    private var lanes: [Lane] = []

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Calls `session.timerFired(kind, token: token)` after `delay`.
    func arm(_ kind: Kind, after delay: TimeAmount, for session: EngineIOSession, token: UInt32) {
        let lane = self.lane(for: delay)
        lane.entries.append(Entry(deadline: self.eventLoop.now + delay, session: session, token: token, kind: kind))
        if !lane.isScheduled {
            self.schedule(lane)
        }
    }

    private func lane(for delay: TimeAmount) -> Lane {
        if let lane = self.lanes.first(where: { $0.delay == delay }) { return lane }
        let lane = Lane(delay: delay)
        self.lanes.append(lane)
        return lane
    }

    private func schedule(_ lane: Lane) {
        guard let head = lane.entries.first else { return }
        lane.isScheduled = true
        self.eventLoop.assumeIsolated().scheduleTask(deadline: head.deadline) { self.fire(lane) }
    }

    /// Fires every timer of `lane` whose time has come, then waits for the next one.
    private func fire(_ lane: Lane) {
        lane.isScheduled = false
        let now = self.eventLoop.now
        while let head = lane.entries.first, head.deadline <= now {
            lane.entries.removeFirst()
            head.session.timerFired(head.kind, token: head.token)
        }
        if !lane.isScheduled {
            self.schedule(lane)
        }
    }
}
