import Logging
import NIOCore
import ZenithConfig
import ZenithProxy

/// Starts the publish API's own listener (`[publish] listen`), kept apart from the public port so
/// that it can stay on a loopback or management address.
public enum PublishServer {
    /// Why the publish API cannot start.
    public struct TokenError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds `[publish] listen` with the main listener's header and timeout `limits` and
    /// `[publish] max_body_bytes` as the body bound.
    public static func start(
        settings: PublishSettings, tokenFileContents: String, engine: RealtimeEngine, namespaces: [String],
        limits: Limits, group: EventLoopGroup, logger: Logger
    ) async throws -> SmallHTTPServer {
        guard let token = BearerToken(fileContents: tokenFileContents) else {
            throw TokenError(description: "\(settings.tokenFile): the token file must hold one token")
        }
        let responder = PublishResponder(engine: engine, token: token, namespaces: Set(namespaces), logger: logger)
        let server = try await SmallHTTPServer.start(
            name: "publish", host: settings.listen.host, port: settings.listen.port,
            limits: SmallHTTPServer.Limits(limits, bodyBytes: settings.maxBodyBytes), group: group, logger: logger,
            respond: { responder.respond(to: $0) }
        )
        logger.info("publish API listening", metadata: ["address": "\(settings.listen)"])
        return server
    }
}
