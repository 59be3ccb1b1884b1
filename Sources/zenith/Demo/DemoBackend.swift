import Logging
import NIOCore
import ZenithProxy

/// The demo's stand-in for a dashboard: a small HTTP server on a free loopback port that serves
/// the demo page (`GET /` or `/index.html`; anything else is a 404), which Zenith proxies like
/// any backend page.
enum DemoBackend {
    /// No configuration exists yet when it starts (Zenith's needs its port): the `[limits]`
    /// defaults, and no body, as it only serves a page.
    private static let limits = SmallHTTPServer.Limits(
        headerBytes: 65536, bodyBytes: 0, headerTimeout: .seconds(10), idleTimeout: .seconds(75)
    )

    static func start(group: EventLoopGroup, logger: Logger) async throws -> SmallHTTPServer {
        try await SmallHTTPServer.start(
            name: "demo backend", host: "127.0.0.1", port: 0, limits: Self.limits, group: group, logger: logger,
            respond: { request in request.eventLoop.makeSucceededFuture(Self.respond(to: request)) }
        )
    }

    private static func respond(to request: SmallHTTPRequest) -> SmallHTTPResponse {
        guard request.path == "/" || request.path == "/index.html" else {
            return SmallHTTPResponse(.notFound, contentType: "text/plain", text: "not found\n")
        }
        return SmallHTTPResponse(.ok, contentType: "text/html; charset=utf-8", text: DemoPage.html)
    }
}
