import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ZenithConfig
import ZenithProxy

/// The `[metrics]` listener's answers: `GET /metrics` (Prometheus text of every `zenith_` metric),
/// `GET /healthz` (the process answers) and `GET /readyz` (listeners bound, and every upstream
/// accepts a TCP connection within a second; 503 with the reasons otherwise).
struct MetricsServer: Sendable {
    /// Scrapes and probes carry no body.
    private static let bodyBytes = 4096

    let registry: PrometheusCollectorRegistry
    /// The proxy's per-loop metrics, added up and written after the registry's.
    let proxyMetrics: ProxyMetricsCollector
    let readiness: Readiness

    /// Binds `[metrics] listen` with the main listener's header and timeout `limits`.
    static func start(
        settings: MetricsSettings, limits: Limits, registry: PrometheusCollectorRegistry,
        proxyMetrics: ProxyMetricsCollector, readiness: Readiness, group: EventLoopGroup, logger: Logger
    ) async throws -> SmallHTTPServer {
        let answers = MetricsServer(registry: registry, proxyMetrics: proxyMetrics, readiness: readiness)
        let server = try await SmallHTTPServer.start(
            name: "metrics", host: settings.listen.host, port: settings.listen.port,
            limits: SmallHTTPServer.Limits(limits, bodyBytes: Self.bodyBytes), group: group, logger: logger,
            respond: { answers.respond(to: $0) }
        )
        logger.info("metrics listening", metadata: ["address": "\(settings.listen)"])
        return server
    }

    func respond(to request: SmallHTTPRequest) -> EventLoopFuture<SmallHTTPResponse> {
        switch (request.head.method, request.path) {
        case (.GET, "/metrics"):
            return self.proxyMetrics.collect(on: request.eventLoop).map { proxyMetrics in
                var text = self.registry.emitToBuffer()
                ProxyMetricsExposition.emit(proxyMetrics, into: &text)
                return SmallHTTPResponse(
                    .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: ByteBuffer(bytes: text)
                )
            }
        case (.GET, "/healthz"):
            return request.eventLoop.makeSucceededFuture(Self.text(.ok, "ok\n"))
        case (.GET, "/readyz"):
            return self.readiness.check(on: request.eventLoop).map { problems in
                let lines = (problems.isEmpty ? ["ready"] : problems) + self.readiness.currentNotes
                return Self.text(problems.isEmpty ? .ok : .serviceUnavailable, lines.joined(separator: "\n") + "\n")
            }.recover { _ in
                Self.text(.serviceUnavailable, "readiness check failed\n")
            }
        default:
            return request.eventLoop.makeSucceededFuture(Self.text(.notFound, "not found\n"))
        }
    }

    private static func text(_ status: HTTPResponseStatus, _ text: String) -> SmallHTTPResponse {
        SmallHTTPResponse(status, contentType: "text/plain", text: text)
    }
}
