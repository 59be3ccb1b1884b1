import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SocketIO
import ZenithConfig

/// The publish API's own HTTP listener (`[publish] listen`), kept apart from the public port so
/// that it can stay on a loopback or management address.
public final class PublishServer: Sendable {
    private let channel: Channel

    public var boundAddress: SocketAddress? { self.channel.localAddress }

    private init(channel: Channel) {
        self.channel = channel
    }

    /// Why the publish API cannot start.
    public struct TokenError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func start(
        settings: PublishSettings, tokenFileContents: String, engine: RealtimeEngine, namespaces: [String],
        group: EventLoopGroup, logger: Logger
    ) async throws -> PublishServer {
        guard let token = BearerToken(fileContents: tokenFileContents) else {
            throw TokenError(description: "\(settings.tokenFile): the token file must hold one token")
        }
        let namespaceSet = Set(namespaces)
        let maxBody = settings.maxBodyBytes
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: maxBody))
                    try channel.pipeline.syncOperations.addHandler(
                        PublishHandler(engine: engine, token: token, namespaces: namespaceSet, logger: logger)
                    )
                }
            }
            .bind(host: settings.listen.host, port: settings.listen.port).get()
        logger.info("publish API listening", metadata: ["address": "\(settings.listen)"])
        return PublishServer(channel: channel)
    }

    public func close() async {
        try? await self.channel.close()
    }
}
