import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import ZenithConfig

/// The keep-alive connections of one event loop to one upstream's servers.
///
/// Confined to its event loop, like the client connections that use it, so leasing an idle
/// connection is a pop from an array. The upstream's `max_connections` is shared out between the
/// loops. Servers are used round-robin; one that refuses or times out a connect is skipped for
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
    private let maxConnections: Int
    private var idle: [UpstreamConnection] = []
    private var openCount = 0
    private var waiters = CircularBuffer<Waiter>()
    private var nextServer = 0
    private var skipUntil: [NIODeadline]
    private var isRetired = false
    /// `zenith_upstream_connections{upstream, state}`: open connections, and how many of them idle.
    private let openMeter: Meter
    private let idleMeter: Meter
    /// `zenith_upstream_response_seconds{upstream}`: from sending a request to its response head.
    /// Kept here, made once, so that a response costs no lookup by upstream name.
    let responseTimer: Timer

    init(
        configuration: UpstreamConfiguration, eventLoop: EventLoop, loopCount: Int, maxResponseHeadBytes: Int,
        logger: Logger
    ) {
        self.configuration = configuration
        self.maxResponseHeadBytes = maxResponseHeadBytes
        self.eventLoop = eventLoop
        self.logger = logger
        self.maxConnections = max(1, (configuration.maxConnections + loopCount - 1) / loopCount)
        self.skipUntil = Array(repeating: .uptimeNanoseconds(0), count: configuration.servers.count)
        self.openMeter = Meter(label: "zenith_upstream_connections", dimensions: [("upstream", configuration.name), ("state", "open")])
        self.idleMeter = Meter(label: "zenith_upstream_connections", dimensions: [("upstream", configuration.name), ("state", "idle")])
        self.responseTimer = Timer(label: "zenith_upstream_response_seconds", dimensions: [("upstream", configuration.name)])
    }

    /// The most recently used idle connection, if any: its socket is the likeliest to be alive.
    func leaseIdle() -> UpstreamConnection? {
        while let connection = self.idle.popLast() {
            self.idleMeter.decrement()
            connection.idleDeadline?.disarm()
            if connection.isActive {
                return connection
            }
        }
        return nil
    }

    /// What a lease is answered with, on the pool's event loop.
    typealias LeaseCallback = (Result<UpstreamConnection, Error>) -> Void

    /// A new connection, or the next one released if the pool is at its limit (waiting at most
    /// `connect_timeout`, in a queue of bounded length).
    func leaseNew(_ callback: @escaping LeaseCallback) {
        if self.isRetired {
            callback(.failure(Failure.retired))
        } else if self.openCount < self.maxConnections {
            self.connect(callback)
        } else if self.waiters.count >= self.maxConnections * 16 {
            callback(.failure(Failure.busy))
        } else {
            let waiter = Waiter(callback: callback)
            waiter.timeout = self.eventLoop.assumeIsolated().scheduleTask(
                in: TimeAmount(self.configuration.connectTimeout)
            ) { [weak waiter] in
                guard let waiter, let index = self.waiters.firstIndex(where: { $0 === waiter }) else { return }
                self.waiters.remove(at: index)
                waiter.callback(.failure(Failure.busy))
            }
            self.waiters.append(waiter)
        }
    }

    /// A lease that waits for a connection to come free.
    private final class Waiter {
        let callback: LeaseCallback
        var timeout: Scheduled<Void>?
        init(callback: @escaping LeaseCallback) {
            self.callback = callback
        }
    }

    /// Takes a connection back after an exchange; one that cannot carry another request is closed.
    /// Reading resumes: the exchange may have paused it for a slow client just before the
    /// response ended, and a connection left paused would never read its next response (nor
    /// notice the backend closing it while idle).
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        connection.delegate = nil
        guard reusable, connection.isActive, !self.isRetired else {
            connection.close()
            return
        }
        connection.resumeReading()
        if let waiter = self.waiters.popFirst() {
            waiter.timeout?.cancel()
            waiter.callback(.success(connection))
            return
        }
        connection.idleDeadline?.arm(TimeAmount(self.configuration.idleTimeout))
        self.idle.append(connection)
        self.idleMeter.increment()
    }

    /// The connection left the pool's accounting for good (it became a tunnel).
    func detach(_ connection: UpstreamConnection) {
        connection.pool = nil
        connection.delegate = nil
        self.openCount -= 1
        self.openMeter.decrement()
        self.serveNextWaiter()
    }

    /// Called by a connection when its channel closed.
    func connectionClosed(_ connection: UpstreamConnection) {
        connection.pool = nil
        self.openCount -= 1
        self.openMeter.decrement()
        if let index = self.idle.firstIndex(where: { $0 === connection }) {
            self.idle.remove(at: index)
            self.idleMeter.decrement()
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
        self.idleMeter.decrement(by: Double(self.idle.count))
        self.idle.removeAll()
        while let waiter = self.waiters.popFirst() {
            waiter.timeout?.cancel()
            waiter.callback(.failure(Failure.retired))
        }
    }

    private func serveNextWaiter() {
        guard !self.waiters.isEmpty, self.openCount < self.maxConnections else { return }
        let waiter = self.waiters.removeFirst()
        waiter.timeout?.cancel()
        self.connect(waiter.callback)
    }

    private func connect(_ callback: @escaping LeaseCallback) {
        self.openCount += 1
        self.connect(attemptsLeft: self.configuration.servers.count, callback: callback)
    }

    /// Tries servers in round-robin order, skipping those marked down, until one accepts.
    private func connect(attemptsLeft: Int, callback: @escaping LeaseCallback) {
        let index = self.pickServer()
        let server = self.configuration.servers[index]
        let maxHeadBytes = self.maxResponseHeadBytes
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
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
                        self.openCount -= 1
                        callback(.failure(Failure.retired))
                        return
                    }
                    connection.pool = self
                    self.openMeter.increment()
                    callback(.success(connection))
                case .failure(let error):
                    self.skipUntil[index] = .now() + TimeAmount(self.configuration.failTimeout)
                    self.logger.warning(
                        "upstream connect failed",
                        metadata: ["upstream": "\(self.configuration.name)", "server": "\(server)", "error": "\(error)"]
                    )
                    if attemptsLeft > 1 {
                        self.connect(attemptsLeft: attemptsLeft - 1, callback: callback)
                    } else {
                        self.openCount -= 1
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
