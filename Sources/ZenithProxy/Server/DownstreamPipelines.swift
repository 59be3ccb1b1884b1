import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// Builds the pipelines of accepted client connections: HTTP/1.1 (plain or after TLS), and HTTP/2
/// negotiated by ALPN, whose every stream gets the same `DownstreamConnectionHandler` as an HTTP/1.1
/// connection (driven by `HTTP2StreamsHandler`), so routing, proxying and realtime polling are one
/// code path.
struct DownstreamPipelines: Sendable {
    let contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>]
    /// `[limits] header_bytes`: what the target and header fields of a request head may take.
    let headerBytes: Int
    let http2Settings: HTTP2Settings

    init(contexts: [ObjectIdentifier: NIOLoopBound<LoopContext>], headerBytes: Int) {
        self.contexts = contexts
        self.headerBytes = headerBytes
        self.http2Settings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 128),
            HTTP2Setting(parameter: .maxHeaderListSize, value: headerBytes),
            HTTP2Setting(parameter: .initialWindowSize, value: Self.initialStreamWindow),
        ]
    }

    /// What each stream of a client may send of its request body before Zenith takes some.
    static let initialStreamWindow = 256 * 1024
    /// What all streams of a client together may send before Zenith takes some: four streams'
    /// worth (the 64 KiB HTTP/2 starts a connection with would hold an upload to 64 KiB a round trip).
    static let connectionWindow = 1024 * 1024

    /// Plain HTTP/1.1.
    func configureHTTP1(_ channel: Channel, transport: DownstreamTransport = .http1) throws {
        let loop = self.contexts[ObjectIdentifier(channel.eventLoop)]!.value
        try channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec(headerBytes: self.headerBytes))
        try channel.pipeline.syncOperations.addHandler(DownstreamConnectionHandler(loop: loop, transport: transport))
    }

    /// TLS, then HTTP/2 or HTTP/1.1 as ALPN decides. The handshake must be done within
    /// `[limits] header_timeout`: until ALPN has chosen, no HTTP handler watches the connection,
    /// and a client that says nothing would hold it for ever.
    func configureTLS(_ channel: Channel, context: NIOSSLContext) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        try channel.pipeline.syncOperations.addHandler(TLSWriteCoalescer())
        let headerTimeout = self.contexts[ObjectIdentifier(channel.eventLoop)]!.value.configuration.limits.headerTimeout
        let handshakeDeadline = channel.eventLoop.scheduleTask(in: TimeAmount(headerTimeout)) {
            channel.close(promise: nil)
        }
        let pipelines = self
        _ = channel.configureHTTP2SecureUpgrade(
            h2ChannelConfigurator: { channel in
                handshakeDeadline.cancel()
                return channel.eventLoop.makeCompletedFuture { try pipelines.configureHTTP2(channel) }
            },
            http1ChannelConfigurator: { channel in
                handshakeDeadline.cancel()
                return channel.eventLoop.makeCompletedFuture { try pipelines.configureHTTP1(channel, transport: .http1OverTLS) }
            }
        )
    }

    private func configureHTTP2(_ channel: Channel) throws {
        // The answers of streams whose backends replied in the same loop turn leave together.
        try channel.pipeline.syncOperations.handler(type: TLSWriteCoalescer.self).defersFlushes = true
        let loop = self.contexts[ObjectIdentifier(channel.eventLoop)]!.value
        // Sends GOAWAY on a drain (ChannelShouldQuiesceEvent) and closes the connection once its
        // streams are done; the idle timer drains connections idle for the keep-alive timeout.
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: nil, maxAge: nil,
                maxGraceTime: TimeAmount(loop.configuration.proxy.drainTimeout), keepalive: nil
            )
        )
        let idleTimer = HTTP2IdleConnectionTimer(
            channel: channel, idleTime: TimeAmount(loop.configuration.limits.keepaliveTimeout)
        )
        let streams = HTTP2StreamsHandler(
            loop: loop,
            peer: DownstreamPeer(address: channel.remoteAddress, scheme: DownstreamTransport.http2.scheme),
            initialStreamWindow: Self.initialStreamWindow, connectionWindow: Self.connectionWindow,
            streamDelegate: idleTimer.streamDelegate(
                forwardingTo: management.http2StreamDelegate, eventLoop: channel.eventLoop
            )
        )
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = self.http2Settings
        let handlers = channel.pipeline.syncOperations
        // Without a multiplexer: `streams` serves every stream on this pipeline, and is told by
        // NIOHTTP2 (as its frame delegate) what it sends of the DATA it holds for want of window.
        try handlers.addHandler(NIOHTTP2Handler(mode: .server, frameDelegate: streams, connectionConfiguration: connection))
        try handlers.addHandler(streams)
        // After `streams`, which tells it of streams opening and closing.
        try handlers.addHandler(management)
        // A connection error (a flood of RST_STREAM, SETTINGS or PING frames, a protocol
        // violation) makes NIOHTTP2 send GOAWAY and pass the error on: the connection closes here,
        // or it would stay open and keep its streams.
        try handlers.addHandler(NIOCloseOnErrorHandler())
    }
}
