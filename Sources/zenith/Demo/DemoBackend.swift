import NIOCore
import NIOHTTP1
import NIOPosix
import ZenithProxy

/// The demo's stand-in for a dashboard: a tiny HTTP server on a free loopback port that serves
/// the demo page, which Zenith proxies like any backend page.
final class DemoBackend: Sendable {
    private let channel: Channel
    let port: Int

    private init(channel: Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(group: EventLoopGroup) async throws -> DemoBackend {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(DemoPageHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return DemoBackend(channel: channel)
    }

    func close() async {
        try? await self.channel.close()
    }
}

/// Answers `GET /` with the demo page and anything else with 404.
private final class DemoPageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = self.unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        let found = path == "/" || path == "/index.html"
        context.writeSmallResponse(
            found ? .ok : .notFound, contentType: found ? "text/html; charset=utf-8" : "text/plain",
            body: ByteBuffer(string: found ? DemoPage.html : "not found\n"), omitBody: head.method == .HEAD
        )
    }
}
