import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOConcurrencyHelpers
import NIOPosix
import NIOSSL
import ZenithConfig

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP/1.1 front of Zenith: binds the configured listeners and serves every connection with
/// a pipeline that ends in `DownstreamConnectionHandler`, on the event loop that accepted it.
///
/// Made by the `zenith` executable with `make` (pools ready, so that the realtime engine can use
/// `upstreamClient`), then `start` binds the listeners; `reload` puts a new configuration in
/// force for new requests without touching connections; `shutdown` stops accepting and closes
/// idle connections while requests in flight finish.
public final class ProxyServer: Sendable {
    private let group: EventLoopGroup
    private let configuration: ZenithConfiguration
    private let logger: Logger
    private let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    private let listeners = NIOLockedValueBox<[Channel]>([])
    /// One per listener: a ServerQuiescingHelper follows the children of a single server channel.
    private let quiescingHelpers = NIOLockedValueBox<[ServerQuiescingHelper]>([])
    /// The https listeners' TLS context; replaced by a reload (new certificate files).
    private let tlsContext: NIOLockedValueBox<NIOSSLContext?>

    /// The addresses actually bound (ports resolved when the config asked for port 0).
    public var boundAddresses: [SocketAddress] {
        self.listeners.withLockedValue { $0.compactMap(\.localAddress) }
    }

    /// The proxy's per-loop metrics, added up at each scrape.
    public var metrics: ProxyMetricsCollector {
        ProxyMetricsCollector(contexts: Array(self.contexts.values))
    }

    /// Zenith's own requests to the configured upstreams, over the proxy's pools.
    public var upstreamClient: UpstreamClient {
        UpstreamClient(contexts: self.contexts, fallbackLoop: self.group.next())
    }

    private init(
        group: EventLoopGroup, configuration: ZenithConfiguration, logger: Logger,
        contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>], tlsContext: NIOSSLContext?
    ) {
        self.tlsContext = NIOLockedValueBox(tlsContext)
        self.group = group
        self.configuration = configuration
        self.logger = logger
        self.contexts = contexts
    }

    /// Makes the server and binds its listeners at once.
    public static func start(
        configuration: ZenithConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger,
        realtimeEndpoint: RealtimeEndpoint? = nil
    ) async throws -> ProxyServer {
        let server = try await Self.make(configuration: configuration, group: group, logger: logger)
        try await server.start(realtimeEndpoint: realtimeEndpoint)
        return server
    }

    /// Prepares the per-loop state (configuration, upstream pools) without listening yet.
    public static func make(
        configuration: ZenithConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger
    ) async throws -> ProxyServer {
        let loops = Array(group.makeIterator())
        let fileIO = NonBlockingFileIO(threadPool: .singleton)
        let accessLog = AccessLog(logger: Logger(label: "zenith.access"), structured: configuration.log.format == "json")
        var contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        for loop in loops {
            contexts[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    LoopContext(
                        eventLoop: loop, configuration: configuration, loopCount: loops.count, fileIO: fileIO,
                        logger: logger, accessLog: accessLog
                    ),
                    eventLoop: loop
                )
            }.get()
        }
        let tlsContext = try configuration.tls.map { files throws(TLSContextFactory.Failure) in
            try TLSContextFactory.makeContext(files)
        }
        return ProxyServer(
            group: group, configuration: configuration, logger: logger, contexts: contexts, tlsContext: tlsContext
        )
    }

    /// Hands `realtime` routes to `realtimeEndpoint`, then listens on every `[listen]` address,
    /// adopting the sockets systemd passed in (`inherited`) and binding the others.
    public func start(realtimeEndpoint: RealtimeEndpoint?, inherited: InheritedListeners = InheritedListeners(environment: [:])) async throws {
        for (_, context) in self.contexts {
            try await context.eventLoop.submit { context.value.realtimeEndpoint = realtimeEndpoint }.get()
        }
        let configuration = self.configuration
        let logger = self.logger
        let quiescingHelpers = self.quiescingHelpers
        let pipelines = DownstreamPipelines(contexts: self.contexts, headerBytes: configuration.limits.headerBytes)
        let tlsContext = self.tlsContext
        // ServerBootstrap is a class whose setters return self: each listener kind gets its own.
        let group = self.group
        func makeBootstrap() -> ServerBootstrap {
            ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let helper = ServerQuiescingHelper(group: group)
                        quiescingHelpers.withLockedValue { $0.append(helper) }
                        try channel.pipeline.syncOperations.addHandler(helper.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: StreamingBuffers.writeWaterMark)
                .childChannelOption(.maxMessagesPerRead, value: StreamingBuffers.maxMessagesPerRead)
                .childChannelOption(.recvAllocator, value: StreamingBuffers.receiveAllocator)
        }
        let bootstrap = makeBootstrap().childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try pipelines.configureHTTP1(channel) }
        }
        let tlsBootstrap = makeBootstrap().childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                guard let context = tlsContext.withLockedValue({ $0 }) else { throw TLSNotConfigured() }
                try pipelines.configureTLS(channel, context: context)
            }
        }

        var listeners: [Channel] = []
        do {
            var inherited = inherited
            for (addresses, kind, bootstrap) in [
                (configuration.listen.http, "http", bootstrap), (configuration.listen.https, "https (h2, http/1.1)", tlsBootstrap),
            ] {
                for address in addresses {
                    let channel: Channel
                    if let descriptor = inherited.take(address) {
                        channel = try await bootstrap.withBoundSocket(descriptor).get()
                        // NIO listens on an adopted socket with a backlog of 128; restore a larger one.
                        _ = Glibc.listen(descriptor, 1024)
                        logger.info("listening", metadata: ["address": "\(address)", "protocol": "\(kind)", "socket": "inherited"])
                    } else {
                        channel = try await bootstrap.bind(host: address.host, port: address.port).get()
                        logger.info("listening", metadata: ["address": "\(address)", "protocol": "\(kind)"])
                    }
                    listeners.append(channel)
                }
            }
            for address in inherited.unused {
                logger.warning("inherited socket matches no [listen] address, ignored", metadata: ["address": "\(address)"])
            }
        } catch {
            for channel in listeners { try? await channel.close() }
            throw error
        }
        self.listeners.withLockedValue { $0 = listeners }
    }

    /// Puts `configuration` in force on every event loop for requests that start afterwards.
    /// Listener addresses are not changed by a reload.
    public func reload(_ configuration: ZenithConfiguration) async throws {
        // Certificates first: a bad one refuses the whole reload before anything changed.
        if let files = configuration.tls {
            let context = try TLSContextFactory.makeContext(files)
            self.tlsContext.withLockedValue { $0 = context }
        }
        for (_, context) in self.contexts {
            try await context.eventLoop.submit {
                context.value.apply(configuration)
            }.get()
        }
    }

    /// Stops accepting, closes idle keep-alive connections, and lets requests in flight finish
    /// for up to `gracePeriod`; connections still open after it are cut.
    public func shutdown(gracePeriod: Duration) async {
        let loop = self.group.next()
        let promises = self.quiescingHelpers.withLockedValue { $0 }.map { helper in
            let promise = loop.makePromise(of: Void.self)
            helper.initiateShutdown(promise: promise)
            return promise.futureResult
        }
        // Whichever comes first, the last connection closing or the grace period, ends the wait.
        let cutOff = loop.makePromise(of: Void.self)
        let ended = NIOLockedValueBox(false)
        let end: @Sendable () -> Void = {
            if ended.withLockedValue({ alreadyEnded in defer { alreadyEnded = true }; return !alreadyEnded }) {
                cutOff.succeed()
            }
        }
        EventLoopFuture.andAllComplete(promises, on: loop).whenComplete { _ in end() }
        let deadline = loop.scheduleTask(in: TimeAmount(gracePeriod)) {
            self.logger.warning("drain grace period over, closing the remaining connections")
            end()
        }
        try? await cutOff.futureResult.get()
        deadline.cancel()
        for listener in self.listeners.withLockedValue({ $0 }) {
            try? await listener.closeFuture.get()
        }
    }
}

extension NIOHTTPDecoderLimitConfiguration {
    /// Request line plus headers may take `headerBytes` in all; beyond it the client gets 431.
    init(headerBytes: Int) {
        self.init()
        self.maxHeaderListSize = headerBytes
        self.maxHeaderFieldSize = headerBytes
    }
}

/// An https listener accepted a connection but no `[tls]` context is loaded.
struct TLSNotConfigured: Error {}
