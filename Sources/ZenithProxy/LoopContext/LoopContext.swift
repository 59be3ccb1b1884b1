import Logging
import NIOCore
import NIOPosix
import ZenithConfig

/// Everything the connections of one event loop share: the configuration in force, the upstream
/// pools and the access log. One per event loop and only touched on that loop, so the hot path
/// takes no lock; a reload replaces `configuration` and the pools by running on each loop.
final class LoopContext {
    let eventLoop: EventLoop
    let logger: Logger
    let accessLog: AccessLog
    let metrics = ProxyMetrics()
    let fileIO: NonBlockingFileIO
    /// Where `realtime` routes go; nil answers them 503. Set once, before listening.
    var realtimeEndpoint: RealtimeEndpoint?
    /// How many event loops share the upstreams' connection budgets.
    let loopCount: Int
    private(set) var configuration: ZenithConfiguration
    private(set) var trustedProxies: TrustedProxies
    /// The configuration's routes, resolved to this loop's pools.
    private(set) var routes: ActiveRoutes
    private var pools: [String: UpstreamPool] = [:]
    /// Pools to the other nodes of a cluster, by address, made on first use (a cluster has few).
    private var peerPools: [HostAndPort: UpstreamPool] = [:]

    init(
        eventLoop: EventLoop, configuration: ZenithConfiguration, loopCount: Int, fileIO: NonBlockingFileIO,
        logger: Logger, accessLog: AccessLog
    ) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.trustedProxies = TrustedProxies(configuration.proxy.trustedProxies)
        self.routes = ActiveRoutes(table: configuration.routes, pools: [:])
        self.loopCount = loopCount
        self.fileIO = fileIO
        self.logger = logger
        self.accessLog = accessLog
        self.makePools()
    }

    func pool(named name: String) -> UpstreamPool? {
        self.pools[name]
    }

    /// The pool of connections to the cluster node at `address`, for the requests of the sessions
    /// it owns. Long polls hold a connection each, hence the large bound; a node that refuses is
    /// skipped for a second only, since its clients are told to start over at once anyway.
    ///
    /// Nodes come and go, and come back at other addresses: before a pool is made, the pools left
    /// unused (their connections all closed, by the idle timeout at the latest) are retired.
    func peerPool(for address: HostAndPort) -> UpstreamPool {
        if let pool = self.peerPools[address] { return pool }
        for (known, pool) in self.peerPools where pool.isUnused {
            pool.retire()
            self.peerPools[known] = nil
        }
        let configuration = UpstreamConfiguration(
            name: "cluster node \(address)", servers: [address], maxConnections: 4096, connectTimeout: .seconds(1),
            responseTimeout: .seconds(120), idleTimeout: .seconds(60), failTimeout: .seconds(1)
        )
        let pool = UpstreamPool(
            configuration: configuration, eventLoop: self.eventLoop, loopCount: self.loopCount,
            maxResponseHeadBytes: self.configuration.limits.headerBytes,
            metrics: self.metrics.upstream(named: configuration.name), logger: self.logger
        )
        self.peerPools[address] = pool
        return pool
    }

    /// Puts a new configuration in force for requests that start from now on. Pools whose settings
    /// did not change are kept with their connections; the others drain as their requests finish.
    func apply(_ configuration: ZenithConfiguration) {
        self.eventLoop.assertInEventLoop()
        self.configuration = configuration
        self.trustedProxies = TrustedProxies(configuration.proxy.trustedProxies)
        self.metrics.routesChanged()
        self.makePools()
    }

    private func makePools() {
        var pools: [String: UpstreamPool] = [:]
        for (name, upstream) in self.configuration.upstreams {
            if let existing = self.pools[name], existing.configuration == upstream,
                existing.maxResponseHeadBytes == self.configuration.limits.headerBytes
            {
                pools[name] = existing
            } else {
                self.pools[name]?.retire()
                pools[name] = UpstreamPool(
                    configuration: upstream, eventLoop: self.eventLoop, loopCount: self.loopCount,
                    maxResponseHeadBytes: self.configuration.limits.headerBytes,
                    metrics: self.metrics.upstream(named: upstream.name), logger: self.logger
                )
            }
        }
        for (name, pool) in self.pools where pools[name] == nil {
            pool.retire()
        }
        self.pools = pools
        self.routes = ActiveRoutes(table: self.configuration.routes, pools: pools)
    }
}
