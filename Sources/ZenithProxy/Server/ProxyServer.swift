import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ZenithConfig

/// The HTTP/1.1 front of Zenith: binds the configured listeners and serves every connection with
/// a pipeline that ends in `ClientConnectionHandler`, on the event loop that accepted it.
///
/// Created by the `zenith` executable with `start`; `reload` puts a new configuration in force for
/// new requests without touching connections; `shutdown` stops accepting and closes idle
/// connections while requests in flight finish.
public final class ProxyServer: Sendable {
    private let group: EventLoopGroup
    private let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    private let listeners: [Channel]
    private let quiescing: ServerQuiescingHelper

    /// The addresses actually bound (ports resolved when the config asked for port 0).
    public var boundAddresses: [SocketAddress] {
        self.listeners.compactMap(\.localAddress)
    }

    private init(
        group: EventLoopGroup, contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>], listeners: [Channel],
        quiescing: ServerQuiescingHelper
    ) {
        self.group = group
        self.contexts = contexts
        self.listeners = listeners
        self.quiescing = quiescing
    }

    /// Binds every `[listen] http` address and starts serving.
    public static func start(
        configuration: ZenithConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger,
        realtimeEndpoint: RealtimeEndpoint? = nil
    ) async throws -> ProxyServer {
        let loops = Array(group.makeIterator())
        let fileIO = NonBlockingFileIO(threadPool: .singleton)
        let accessLog = AccessLog(logger: Logger(label: "zenith.access"))
        var contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>] = [:]
        for loop in loops {
            contexts[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    LoopContext(
                        eventLoop: loop, configuration: configuration, loopCount: loops.count, fileIO: fileIO,
                        logger: logger, accessLog: accessLog, realtimeEndpoint: realtimeEndpoint
                    ),
                    eventLoop: loop
                )
            }.get()
        }
        let quiescing = ServerQuiescingHelper(group: group)
        let decoderLimits = NIOHTTPDecoderLimitConfiguration(headerBytes: configuration.limits.headerBytes)
        let loopContexts = contexts
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let loop = loopContexts[ObjectIdentifier(channel.eventLoop)]!.value
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        position: .last,
                        withPipeliningAssistance: true,
                        withServerUpgrade: nil,
                        withErrorHandling: false,
                        withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits
                    )
                    try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(loop: loop))
                }
            }

        var listeners: [Channel] = []
        do {
            for address in configuration.listen.http {
                let channel = try await bootstrap.bind(host: address.host, port: address.port).get()
                listeners.append(channel)
                logger.info("listening", metadata: ["address": "\(address)", "protocol": "http"])
            }
        } catch {
            for channel in listeners { try? await channel.close() }
            throw error
        }
        return ProxyServer(group: group, contexts: loopContexts, listeners: listeners, quiescing: quiescing)
    }

    /// Puts `configuration` in force on every event loop for requests that start afterwards.
    /// Listener addresses are not changed by a reload.
    public func reload(_ configuration: ZenithConfiguration) async throws {
        for (_, context) in self.contexts {
            try await context.eventLoop.submit {
                context.value.apply(configuration)
            }.get()
        }
    }

    /// Stops accepting, lets requests in flight finish, closes idle keep-alive connections.
    public func shutdown() async {
        let promise = self.group.next().makePromise(of: Void.self)
        self.quiescing.initiateShutdown(promise: promise)
        try? await promise.futureResult.get()
        for listener in self.listeners {
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
