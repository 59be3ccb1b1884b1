import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ZenithConfig

/// The keep-alive connections of one event loop to one upstream's servers.
///
/// Confined to its event loop, like the client connections that use it, so leasing an idle
/// connection is a pop from an array. The upstream's `max_connections` is shared out between the
/// loops, and a reserve above it is kept for Zenith's own requests (`UpstreamConnectionBudget`).
/// Servers are used round-robin; one that refuses or times out a connect is skipped for
/// `fail_timeout` (passive health).
final class UpstreamPool {
    /// Why no connection could be had.
    enum Failure: Error {
        case connectFailed(Error)
        case busy
        case retired
    }

    let configuration: UpstreamConfiguration
    private let eventLoop: EventLoop
    let logger: Logger
    /// The most a response head may take: the same budget as a request head (`header_bytes`).
    let maxResponseHeadBytes: Int
    private var budget: UpstreamConnectionBudget
    private var idle: [UpstreamConnection] = []
    /// Leases waiting for a connection, Zenith's own served first.
    private var waiters = CircularBuffer<Waiter>()
    private var zenithWaiters = CircularBuffer<Waiter>()
    /// Fires when the oldest waiter has waited `connect_timeout` (`expireWaiters`).
    private var waiterExpiry: LazyDeadline!
    private var nextServer = 0
    private var skipUntil: [NIODeadline]
    private var isRetired = false
    /// This loop's connection counts and response times for the upstream. Kept here, so that a
    /// response costs no lookup by upstream name.
    let metrics: UpstreamMetrics

    init(
        configuration: UpstreamConfiguration, eventLoop: EventLoop, loopCount: Int, maxResponseHeadBytes: Int,
        metrics: UpstreamMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.maxResponseHeadBytes = maxResponseHeadBytes
        self.eventLoop = eventLoop
        self.logger = logger
        self.budget = UpstreamConnectionBudget(
            clientLimit: max(1, (configuration.maxConnections + loopCount - 1) / loopCount)
        )
        self.skipUntil = Array(repeating: .uptimeNanoseconds(0), count: configuration.servers.count)
        self.metrics = metrics
        // Holds the pool until `retire()` cancels it: pools live as long as their loop's configuration.
        self.waiterExpiry = LazyDeadline(eventLoop: eventLoop) { self.expireWaiters() }
    }

    /// No connection open or being opened, and no lease waiting: the pool may go.
    var isUnused: Bool {
        self.budget.open == 0 && self.waiters.isEmpty && self.zenithWaiters.isEmpty
    }

    /// The most recently used idle connection, if any and if `purpose` may have one now: its
    /// socket is the likeliest to be alive.
    func leaseIdle(for purpose: UpstreamLeasePurpose) -> UpstreamConnection? {
        guard self.budget.mayLease(for: purpose) else { return nil }
        while let connection = self.idle.popLast() {
            self.metrics.idle.decrement()
            connection.idleDeadline?.disarm()
            if connection.isActive {
                self.lease(connection, for: purpose)
                return connection
            }
        }
        return nil
    }

    private func lease(_ connection: UpstreamConnection, for purpose: UpstreamLeasePurpose) {
        connection.leasePurpose = purpose
        self.budget.leased(for: purpose)
    }

    /// Ends the lease `connection` is under, if any.
    private func endLease(of connection: UpstreamConnection) {
        guard let purpose = connection.leasePurpose else { return }
        connection.leasePurpose = nil
        self.budget.returned(from: purpose)
    }

    /// What a lease is answered with, on the pool's event loop.
    typealias LeaseCallback = (Result<UpstreamConnection, Error>) -> Void

    /// A new connection, or the next one released if `purpose` may have no more now (waiting at
    /// most `connect_timeout`, in a queue of bounded length).
    func leaseNew(for purpose: UpstreamLeasePurpose, _ callback: @escaping LeaseCallback) {
        if self.isRetired {
            callback(.failure(Failure.retired))
        } else if self.budget.mayOpen(for: purpose) {
            self.connect(for: purpose, callback)
        } else if self.waiters.count + self.zenithWaiters.count >= self.budget.limit * 16 {
            callback(.failure(Failure.busy))
        } else {
            let waiter = Waiter(
                purpose: purpose, callback: callback,
                deadline: .now() + TimeAmount(self.configuration.connectTimeout)
            )
            if purpose == .zenith {
                self.zenithWaiters.append(waiter)
            } else {
                self.waiters.append(waiter)
            }
            if !self.waiterExpiry.isArmed {
                self.waiterExpiry.arm(TimeAmount(self.configuration.connectTimeout))
            }
        }
    }

    /// Answers `busy` to the waiters that waited `connect_timeout`, then watches the oldest left.
    /// Every waiter waits as long, so each queue is in deadline order and only its head is looked
    /// at; a waiter served meanwhile costs no cancelled task (a cancel searches the loop's timer
    /// heap, and with more streams than connections there is one wait per request).
    private func expireWaiters() {
        let now = NIODeadline.now()
        let expired = Self.removeExpired(from: &self.zenithWaiters, now: now)
            + Self.removeExpired(from: &self.waiters, now: now)
        for waiter in expired {
            waiter.callback(.failure(Failure.busy))
        }
        let next = [self.zenithWaiters.first?.deadline, self.waiters.first?.deadline].compactMap { $0 }.min()
        if let next {
            self.waiterExpiry.arm(next - now)
        }
    }

    private static func removeExpired(from queue: inout CircularBuffer<Waiter>, now: NIODeadline) -> [Waiter] {
        var expired: [Waiter] = []
        while let waiter = queue.first, waiter.deadline <= now {
            expired.append(queue.removeFirst())
        }
        return expired
    }

    /// A lease that waits for a connection to come free, until `deadline`.
    private final class Waiter {
        let purpose: UpstreamLeasePurpose
        let callback: LeaseCallback
        let deadline: NIODeadline
        init(purpose: UpstreamLeasePurpose, callback: @escaping LeaseCallback, deadline: NIODeadline) {
            self.purpose = purpose
            self.callback = callback
            self.deadline = deadline
        }
    }

    /// The first waiter that may take an open connection now, out of its queue.
    private func nextWaiterForIdleConnection() -> Waiter? {
        if let waiter = self.zenithWaiters.popFirst() { return waiter }
        guard !self.waiters.isEmpty, self.budget.mayLease(for: .client) else { return nil }
        return self.waiters.removeFirst()
    }

    /// Takes a connection back after an exchange; one that cannot carry another request is closed.
    /// Reading resumes: the exchange may have paused it for a slow client just before the
    /// response ended, and a connection left paused would never read its next response (nor
    /// notice the backend closing it while idle).
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.delegate = nil
        self.endLease(of: connection)
        guard reusable, connection.isActive, !self.isRetired else {
            connection.close()
            return
        }
        connection.resumeReading()
        if let waiter = self.nextWaiterForIdleConnection() {
            self.lease(connection, for: waiter.purpose)
            waiter.callback(.success(connection))
            return
        }
        connection.idleDeadline?.arm(TimeAmount(self.configuration.idleTimeout))
        self.idle.append(connection)
        self.metrics.idle.increment()
    }

    /// The connection left the pool's accounting for good (it became a tunnel).
    func detach(_ connection: UpstreamConnection) {
        connection.pool = nil
        connection.delegate = nil
        self.endLease(of: connection)
        self.budget.closed()
        self.metrics.open.decrement()
        self.serveNextWaiter()
    }

    /// Called by a connection when its channel closed.
    func connectionClosed(_ connection: UpstreamConnection) {
        connection.pool = nil
        self.endLease(of: connection)
        self.budget.closed()
        self.metrics.open.decrement()
        if let index = self.idle.firstIndex(where: { $0 === connection }) {
            self.idle.remove(at: index)
            self.metrics.idle.decrement()
        }
        self.serveNextWaiter()
    }

    /// Stops handing out connections (the upstream left the config); idle ones are closed now,
    /// leased ones when their exchange ends.
    func retire() {
        self.isRetired = true
        for connection in self.idle {
            connection.close()
        }
        self.metrics.idle.decrement(by: self.idle.count)
        self.idle.removeAll()
        self.waiterExpiry.cancel()
        for waiter in self.zenithWaiters + self.waiters {
            waiter.callback(.failure(Failure.retired))
        }
        self.zenithWaiters.removeAll()
        self.waiters.removeAll()
    }

    /// A connection closed: the first waiter that may open one now gets a new one.
    private func serveNextWaiter() {
        let waiter: Waiter
        if !self.zenithWaiters.isEmpty && self.budget.mayOpen(for: .zenith) {
            waiter = self.zenithWaiters.removeFirst()
        } else if !self.waiters.isEmpty && self.budget.mayOpen(for: .client) {
            waiter = self.waiters.removeFirst()
        } else {
            return
        }
        self.connect(for: waiter.purpose, waiter.callback)
    }

    private func connect(for purpose: UpstreamLeasePurpose, _ callback: @escaping LeaseCallback) {
        self.budget.opening(for: purpose)
        self.connect(attemptsLeft: self.configuration.servers.count, purpose: purpose, callback: callback)
    }

    /// Tries servers in round-robin order, skipping those marked down, until one accepts.
    private func connect(attemptsLeft: Int, purpose: UpstreamLeasePurpose, callback: @escaping LeaseCallback) {
        let index = self.pickServer()
        let server = self.configuration.servers[index]
        let maxHeadBytes = self.maxResponseHeadBytes
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: StreamingBuffers.writeWaterMark)
            .channelOption(.maxMessagesPerRead, value: StreamingBuffers.maxMessagesPerRead)
            .channelOption(.recvAllocator, value: StreamingBuffers.receiveAllocator)
            .connectTimeout(TimeAmount(self.configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamConnection(serverIndex: index, maxHeadBytes: maxHeadBytes)
                    )
                }
            }
            .connect(host: server.host, port: server.port)
            .assumeIsolated()
            .flatMapThrowing { channel in
                try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
            }
            .whenComplete { result in
                switch result {
                case .success(let connection):
                    if self.isRetired {
                        connection.close()
                        self.budget.returned(from: purpose)
                        self.budget.closed()
                        callback(.failure(Failure.retired))
                        return
                    }
                    connection.leasePurpose = purpose
                    connection.pool = self
                    self.metrics.open.increment()
                    callback(.success(connection))
                case .failure(let error):
                    self.skipUntil[index] = .now() + TimeAmount(self.configuration.failTimeout)
                    self.logger.warning(
                        "upstream connect failed",
                        metadata: ["upstream": "\(self.configuration.name)", "server": "\(server)", "error": "\(error)"]
                    )
                    if attemptsLeft > 1 {
                        self.connect(attemptsLeft: attemptsLeft - 1, purpose: purpose, callback: callback)
                    } else {
                        self.budget.returned(from: purpose)
                        self.budget.closed()
                        self.serveNextWaiter()
                        callback(.failure(Failure.connectFailed(error)))
                    }
                }
            }
    }

    /// The next server in turn that is not being skipped; if all are, the next in turn anyway.
    private func pickServer() -> Int {
        let count = self.configuration.servers.count
        let now = NIODeadline.now()
        for offset in 0..<count {
            let index = (self.nextServer + offset) % count
            if self.skipUntil[index] <= now {
                self.nextServer = index + 1
                return index
            }
        }
        let index = self.nextServer % count
        self.nextServer = index + 1
        return index
    }
}
