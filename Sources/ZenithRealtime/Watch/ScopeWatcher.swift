import Logging
import Metrics
import NIOCore
import NIOHTTP1
import SocketIO
import ZenithCluster
import ZenithConfig
import ZenithJSON
import ZenithProxy

/// Polls one `[[watch]]` endpoint for one scope (`project:abc`) on behalf of every socket of that
/// scope that asked for it, and emits what changed between two polls to their room.
///
/// It polls only while it has members, with the session of one member at a time: right before
/// each poll the session is checked with the dashboard (never the auth cache, whose identity may
/// be older than a project switch) to still belong to the scope, so that one project's servers
/// never reach another project's room; a session that is refused, by the check or by the
/// endpoint, is never used again; the next member's is.
/// While nothing changes the pause between polls grows by `interval` per poll up to
/// `idle_interval`; a change or a new member brings it back to `interval`. Failures back off (doubling up to 30 s) and are reported to the members as
/// `watch:<name>:state {"ok":false}`, recovery as `{"ok":true}`. Confined to one event loop.
///
/// In a cluster one node polls a scope for all: the holder of its lease in Redis, renewed every
/// half interval. The others follow: they do not poll, their members get the holder's events over
/// Redis. A follower takes the lease over once it expires (the holder died) or is released (its
/// last member left), within two intervals, and goes on from the snapshot the holder kept in
/// Redis, so that no change is lost or sent twice. While Redis cannot be asked every node polls
/// for its own members.
final class ScopeWatcher {
    /// Who polls the scope.
    private enum Role {
        /// This node: it is alone, or Redis cannot be asked.
        case alone
        /// This node, for the cluster: it holds the lease.
        case holder
        /// Another node holds the lease (or this node has not asked yet).
        case follower
    }

    private enum Phase {
        /// Not polling: just made, or no member has a usable session.
        case idle
        case waitingForPermit
        case polling
        case scheduled(Scheduled<Void>, at: NIODeadline)
        case stopped
    }

    /// What became of one poll.
    private enum Outcome {
        case answered(UpstreamClient.Response)
        /// The session no longer belongs to the scope (ended, or moved to another project).
        case sessionRefused
        case failed(String)
    }

    /// Longest pause between polls after failures.
    private static let maxBackoff = Duration.seconds(30)
    /// Failures in a row after which an established watcher tells its members polling is down.
    private static let failuresBeforeDown = 3
    /// How long a notification's poll waits for others of the same burst (issue 15: ~100-250 ms).
    static let pokePause = Duration.milliseconds(150)
    private static let accepted: JSONValue = .object(["ok": .bool(true)])

    let key: WatchScopeKey
    private let settings: WatchSettings
    private let scopeTemplate: RoomTemplate
    private let eventLoop: EventLoop
    private let services: WatchServices

    private var phase = Phase.idle
    /// Members by socket id, and their ids in the order they came (the earliest usable polls).
    private var members: [String: WatchMember] = [:]
    private var arrivalOrder: [String] = []
    private var pollerID: String?
    private var refusedCookies: Set<String> = []
    private var baseline: WatchSnapshot?
    /// Acknowledgements waiting for the first successful poll, by socket id: one per member, so
    /// that a socket repeating `watch` cannot pile them up.
    private var waiters: [String: @Sendable (JSONValue) -> Void] = [:]
    private var failuresInARow = 0
    private var unchangedPolls = 0
    private var reportedDown = false
    /// A notification said the scope changed while a poll was on its way, whose answer may
    /// predate the change: the next poll comes after the coalescing pause, not the usual one.
    private var pokedWhilePolling = false
    private var role: Role
    private var leaseTask: RepeatedTask?
    /// Redis has answered a claim (until then a follower does not know whether anyone polls).
    private var leaseAnswered = false

    init(key: WatchScopeKey, settings: WatchSettings, eventLoop: EventLoop, services: WatchServices) {
        self.key = key
        self.settings = settings
        self.scopeTemplate = RoomTemplate(settings.room)
        self.eventLoop = eventLoop
        self.services = services
        self.role = services.cluster == nil ? .alone : .follower
        services.metrics.scopes.increment()
        if services.cluster != nil {
            self.startClaimingLease()
        }
    }

    var isStopped: Bool {
        if case .stopped = self.phase { return true }
        return false
    }

    /// Adds (or renews) a member; it is acknowledged at once when a baseline exists, else after
    /// the first poll.
    func add(_ member: WatchMember) {
        guard !self.isStopped else { return }
        if self.members.updateValue(member, forKey: member.socketID) == nil {
            self.arrivalOrder.append(member.socketID)
        }
        if self.baseline != nil || (self.role == .follower && self.leaseAnswered) {
            member.acknowledge(Self.accepted)
        } else {
            let earlier = self.waiters.updateValue(member.acknowledge, forKey: member.socketID)
            earlier?(.object(["ok": .bool(false), "error": .string("repeated")]))
        }
        // A socket that starts watching is a page just loaded, often after the user acted on an
        // object: the pace quickens again.
        self.unchangedPolls = 0
        switch self.phase {
        case .idle where self.role != .follower:
            self.pollNow()
        case .scheduled(let task, let deadline) where deadline > .now() + TimeAmount(self.settings.interval):
            task.cancel()
            self.schedule(after: self.settings.interval)
        default:
            break
        }
    }

    /// Removes a member; the last one leaving stops the watcher for good.
    func remove(socketID: String) {
        guard let member = self.members.removeValue(forKey: socketID) else { return }
        self.waiters[socketID] = nil
        self.arrivalOrder.removeAll { $0 == socketID }
        if self.pollerID == socketID {
            self.pollerID = nil
        }
        if !self.members.values.contains(where: { $0.cookies == member.cookies }) {
            self.refusedCookies.remove(member.cookies)
        }
        if self.members.isEmpty {
            self.stop()
        }
    }

    /// Stops polling; a poll in flight is discarded when it ends.
    func stop() {
        if case .scheduled(let task, _) = self.phase {
            task.cancel()
        }
        self.leaseTask?.cancel()
        if self.role == .holder {
            self.services.cluster?.releaseLease(self.leaseName)
        }
        self.phase = .stopped
        self.waiters = [:]
        self.services.metrics.scopes.decrement()
    }

    /// A notification says something of the scope changed: poll within `pause` (notifications
    /// arriving meanwhile share that poll), unless a poll is already due sooner. A watcher whose
    /// polls are failing keeps its backoff, so a stream of notifications cannot hammer a
    /// dashboard that is down.
    func pollSoon(within pause: Duration) {
        guard self.failuresInARow == 0 else { return }
        switch self.phase {
        case .scheduled(let task, let deadline) where deadline > .now() + TimeAmount(pause):
            task.cancel()
            self.schedule(after: pause)
        case .waitingForPermit, .polling:
            self.pokedWhilePolling = true
        case .scheduled, .idle, .stopped:
            break
        }
    }

    // MARK: Polling

    private func pollNow() {
        self.phase = .waitingForPermit
        let watcher = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.services.permits.acquire(on: self.eventLoop) {
            watcher.value.permitted()
        }
    }

    private func permitted() {
        guard case .waitingForPermit = self.phase else {
            self.services.permits.release()
            return
        }
        guard let member = self.currentPoller() else {
            self.services.permits.release()
            self.phase = .idle
            self.answerWaiters(.object(["ok": .bool(false), "error": .string("unauthorized")]))
            return
        }
        self.phase = .polling
        let started = NIODeadline.now()
        self.poll(with: member).assumeIsolated().whenSuccess { outcome in
            self.services.permits.release()
            self.services.metrics.pollTime.recordNanoseconds((NIODeadline.now() - started).nanoseconds)
            guard case .polling = self.phase else { return }
            guard self.role != .follower else {
                // The lease went to another node while this poll was out: its answer is theirs to give.
                self.phase = .idle
                return
            }
            self.finished(outcome, member: member)
        }
    }

    /// The member whose session polls: the current one while it is usable, else the earliest.
    private func currentPoller() -> WatchMember? {
        if let id = self.pollerID, let member = self.members[id], !self.refusedCookies.contains(member.cookies) {
            return member
        }
        let next = self.arrivalOrder.lazy.compactMap { self.members[$0] }.first {
            !self.refusedCookies.contains($0.cookies)
        }
        self.pollerID = next?.socketID
        return next
    }

    /// Checks that the session belongs to the scope now, then asks the endpoint with it.
    private func poll(with member: WatchMember) -> EventLoopFuture<Outcome> {
        let settings = self.settings
        let client = self.services.client
        let eventLoop = self.eventLoop
        let scope = self.key.scope
        let template = self.scopeTemplate
        return self.services.authenticator.verifyNow(cookieHeaders: [member.cookies], on: eventLoop).flatMap {
            verdict -> EventLoopFuture<Outcome> in
            switch verdict {
            case .accepted(let identity) where template.fill(with: identity) == scope:
                let request = UpstreamClient.Request(
                    method: .GET, uri: settings.path,
                    headers: HTTPHeaders(dashboardRequestWith: settings.headers, cookies: member.cookies)
                )
                return client.send(
                    request, to: settings.upstream, timeout: settings.timeout,
                    maxResponseBytes: settings.maxResponseBytes, on: eventLoop
                ).map { Outcome.answered($0) }.recover { Outcome.failed("\($0)") }
            case .accepted, .refused:
                return eventLoop.makeSucceededFuture(.sessionRefused)
            case .unavailable:
                return eventLoop.makeSucceededFuture(.failed("auth endpoint unavailable"))
            }
        }
    }

    private func finished(_ outcome: Outcome, member: WatchMember) {
        switch outcome {
        case .answered(let response) where (200..<300).contains(response.status.code):
            do {
                self.succeeded(try WatchSnapshot(parsing: response.body, settings: self.settings))
            } catch {
                self.failed(error.description)
            }
        case .answered(let response) where [401, 403].contains(response.status.code) || (300..<400).contains(response.status.code):
            self.sessionRefused(member)
        case .answered(let response):
            self.failed("status \(response.status.code)")
        case .sessionRefused:
            self.sessionRefused(member)
        case .failed(let reason):
            self.failed(reason)
        }
    }

    private func succeeded(_ snapshot: WatchSnapshot) {
        self.services.metrics.polls(.ok).increment()
        self.failuresInARow = 0
        if self.reportedDown {
            self.reportedDown = false
            self.services.logger.notice("watcher polls again", metadata: ["watch": "\(self.key)"])
            self.emit(self.key.stateEvent, Self.accepted)
        }
        if let baseline = self.baseline {
            let changes = snapshot.changes(since: baseline)
            if changes.isEmpty {
                self.unchangedPolls += 1
            } else {
                self.unchangedPolls = 0
                self.services.metrics.changes.increment()
                self.emit(self.key.event, changes.payload(watch: self.key.watch, scope: self.key.scope))
            }
        }
        self.baseline = snapshot
        if self.role == .holder {
            self.services.cluster?.saveState(snapshot.stored(), of: self.leaseName, for: Self.snapshotLifetime)
        }
        self.answerWaiters(Self.accepted)
        // Horizon-like decay while nothing changes: interval × (unchanged polls + 1), capped.
        let pause = self.settings.interval * (self.unchangedPolls + 1)
        self.schedule(after: min(pause, self.settings.idleInterval))
    }

    /// The session is not used again; the next member's is tried at once (each try rules one
    /// session out, so this ends).
    private func sessionRefused(_ member: WatchMember) {
        self.services.metrics.polls(.unauthorized).increment()
        self.refusedCookies.insert(member.cookies)
        self.pollNow()
    }

    private func failed(_ reason: String) {
        self.services.metrics.polls(.failed).increment()
        self.failuresInARow += 1
        if self.failuresInARow == 1 {
            self.services.logger.warning("watcher poll failed", metadata: ["watch": "\(self.key)", "reason": "\(reason)"])
        }
        if !self.reportedDown && (self.baseline == nil || self.failuresInARow >= Self.failuresBeforeDown) {
            self.reportedDown = true
            self.emit(self.key.stateEvent, .object(["ok": .bool(false)]))
        }
        self.answerWaiters(.object(["ok": .bool(false), "error": .string("unavailable")]))
        let backoff = self.settings.interval * (1 << min(self.failuresInARow, 8))
        self.schedule(after: min(backoff, max(Self.maxBackoff, self.settings.interval)))
    }

    private func schedule(after delay: Duration) {
        let delay = self.pokedWhilePolling && self.failuresInARow == 0 ? min(delay, Self.pokePause) : delay
        self.pokedWhilePolling = false
        let deadline = NIODeadline.now() + TimeAmount(delay)
        let task = self.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard case .scheduled = self.phase else { return }
            guard self.role != .follower else {
                self.phase = .idle
                return
            }
            self.pollNow()
        }
        self.phase = .scheduled(task, at: deadline)
    }

    // MARK: Lease (cluster)

    /// How long the last snapshot of a scope stays in Redis after its last poll.
    private static let snapshotLifetime = TimeAmount.hours(1)

    /// The scope's lease and snapshot name: watch, namespace and scope.
    private var leaseName: String { self.key.watch + "|" + self.key.namespace + "|" + self.key.scope }

    /// Asks for the lease now and every half interval (at least 250 ms); it lasts three times that.
    private func startClaimingLease() {
        let period = max(TimeAmount.nanoseconds(TimeAmount(self.settings.interval).nanoseconds / 2), .milliseconds(250))
        let watcher = NIOLoopBound(self, eventLoop: self.eventLoop)
        let (name, ttl) = (self.leaseName, period * 3)
        self.leaseTask = self.eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: period) { task in
            guard let cluster = watcher.value.services.cluster, !watcher.value.isStopped else {
                task.cancel()
                return watcher.value.eventLoop.makeSucceededVoidFuture()
            }
            return cluster.claimLease(name, for: ttl).hop(to: watcher.value.eventLoop).map { claim in
                watcher.value.claimed(claim)
            }
        }
    }

    private func claimed(_ claim: ClusterNode.LeaseClaim) {
        guard !self.isStopped else {
            if claim == .held { self.services.cluster?.releaseLease(self.leaseName) }
            return
        }
        self.leaseAnswered = true
        switch (claim, self.role) {
        case (.held, .holder), (.unreachable, .alone):
            return
        case (.heldElsewhere, .follower):
            // Members that came before Redis first answered wait for this.
            self.answerWaiters(Self.accepted)
        case (.held, _):
            self.becomeHolder()
        case (.heldElsewhere, _):
            self.role = .follower
            if case .scheduled(let task, _) = self.phase {
                task.cancel()
                self.phase = .idle
            }
            self.answerWaiters(Self.accepted)
        case (.unreachable, .holder):
            self.role = .alone
        case (.unreachable, _):
            self.role = .alone
            if case .idle = self.phase { self.pollNow() }
        }
    }

    /// Goes on from the snapshot the previous holder kept (if any), then polls.
    private func becomeHolder() {
        let wasPolling = self.role == .alone
        self.role = .holder
        guard !wasPolling, let cluster = self.services.cluster else { return }
        let watcher = NIOLoopBound(self, eventLoop: self.eventLoop)
        cluster.loadState(of: self.leaseName).hop(to: self.eventLoop).whenSuccess { stored in
            let watcher = watcher.value
            guard watcher.role == .holder, !watcher.isStopped else { return }
            if let stored, let snapshot = WatchSnapshot(stored: stored) {
                watcher.baseline = snapshot
            }
            if case .idle = watcher.phase { watcher.pollNow() }
        }
    }

    private func answerWaiters(_ reply: JSONValue) {
        let waiters = self.waiters.values
        self.waiters = [:]
        for acknowledge in waiters {
            acknowledge(reply)
        }
    }

    private func emit(_ event: String, _ payload: JSONValue) {
        self.services.emit(
            SocketIOBroadcast(namespace: self.key.namespace, to: .rooms([self.key.room]), event: event, arguments: [payload])
        )
    }
}
