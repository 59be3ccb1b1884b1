import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 listener for Zenith's own small endpoints beside the proxy: the publish API, the
/// metrics listener and the demo's stand-in dashboard. Each complete request (head and a body of
/// at most `Limits.bodyBytes`) is handed to `respond`, whose small answer is written whole.
///
/// It keeps the main listener's defences against clients that send too much or too little
/// (`Limits`): a head above `headerBytes` is a 431, a body above `bodyBytes` a 413, a malformed
/// request a 400 (each logged, the connection then closed); a connection that sends no complete
/// head within `headerTimeout`, stalls a body for as long, or stays idle between requests for
/// `idleTimeout` is closed. Pipelined requests are answered in order, one at a time. Closing it
/// closes the listening socket; connections already accepted finish their request.
public final class SmallHTTPServer: Sendable {
    /// Answers one complete request; the future may complete on any event loop.
    public typealias Respond = @Sendable (SmallHTTPRequest) -> EventLoopFuture<SmallHTTPResponse>

    private let channel: Channel

    /// The bound address (with the port the system chose when asked for port 0).
    public var boundAddress: SocketAddress? { self.channel.localAddress }

    private init(channel: Channel) {
        self.channel = channel
    }

    /// Binds `host:port` and serves until `close()`. `name` says which listener it is in log lines.
    public static func start(
        name: String, host: String, port: Int, limits: Limits, group: EventLoopGroup, logger: Logger,
        respond: @escaping Respond
    ) async throws -> SmallHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, name: name, limits: limits, logger: logger, respond: respond)
                }
            }
            .bind(host: host, port: port).get()
        return SmallHTTPServer(channel: channel)
    }

    /// The pipeline of one accepted connection: NIO's codec with the header limit, NIO's
    /// pipelining helper (one request at a time, the next one held back until the answer is
    /// written, parse errors delivered after it), then the handler that collects and answers.
    static func configure(
        _ channel: Channel, name: String, limits: Limits, logger: Logger, respond: @escaping Respond
    ) throws {
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            position: .last,
            withPipeliningAssistance: true,
            withServerUpgrade: nil,
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: NIOHTTPDecoderLimitConfiguration(headerBytes: limits.headerBytes)
        )
        try channel.pipeline.syncOperations.addHandler(
            SmallHTTPConnectionHandler(name: name, limits: limits, logger: logger, respond: respond)
        )
    }

    /// Stops accepting connections.
    public func close() async {
        try? await self.channel.close()
    }
}
