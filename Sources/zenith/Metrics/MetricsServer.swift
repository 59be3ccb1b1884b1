import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ZenithConfig
import ZenithProxy

/// The `[metrics]` listener: `GET /metrics` (Prometheus text of every `zenith_` metric),
/// `GET /healthz` (the process answers) and `GET /readyz` (listeners bound, and every upstream
/// accepts a TCP connection within a second; 503 with the reasons otherwise).
final class MetricsServer: Sendable {
    private let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    static func start(
        settings: MetricsSettings, registry: PrometheusCollectorRegistry, readiness: Readiness, group: EventLoopGroup,
        logger: Logger
    ) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry, readiness: readiness))
                }
            }
            .bind(host: settings.listen.host, port: settings.listen.port).get()
        logger.info("metrics listening", metadata: ["address": "\(settings.listen)"])
        return MetricsServer(channel: channel)
    }

    func close() async {
        try? await self.channel.close()
    }
}

/// Answers the three paths of the metrics listener.
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let readiness: Readiness

    init(registry: PrometheusCollectorRegistry, readiness: Readiness) {
        self.registry = registry
        self.readiness = readiness
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = self.unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        switch (head.method, path) {
        case (.GET, "/metrics"):
            var buffer = context.channel.allocator.buffer(capacity: 4096)
            buffer.writeBytes(self.registry.emitToBuffer())
            self.answer(context, .ok, buffer, type: "text/plain; version=0.0.4; charset=utf-8")
        case (.GET, "/healthz"):
            self.answer(context, .ok, ByteBuffer(string: "ok\n"), type: "text/plain")
        case (.GET, "/readyz"):
            self.readiness.check(on: context.eventLoop).assumeIsolated().whenComplete { result in
                let problems = (try? result.get()) ?? ["readiness check failed"]
                if problems.isEmpty {
                    self.answer(context, .ok, ByteBuffer(string: "ready\n"), type: "text/plain")
                } else {
                    self.answer(context, .serviceUnavailable, ByteBuffer(string: problems.joined(separator: "\n") + "\n"), type: "text/plain")
                }
            }
        default:
            self.answer(context, .notFound, ByteBuffer(string: "not found\n"), type: "text/plain")
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: ByteBuffer, type: String) {
        context.writeSmallResponse(status, contentType: type, body: body)
    }
}
