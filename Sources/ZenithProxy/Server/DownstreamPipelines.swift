import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// Builds the pipelines of accepted client connections: HTTP/1.1 (plain or after TLS), and HTTP/2
/// negotiated by ALPN, whose every stream gets the same `DownstreamConnectionHandler` as an HTTP/1.1
/// connection, behind NIO's HTTP/2-to-HTTP/1 codec, so routing, proxying and realtime polling
/// are one code path.
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
            HTTP2Setting(parameter: .initialWindowSize, value: 256 * 1024),
        ]
    }

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
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = self.http2Settings
        let loop = self.contexts[ObjectIdentifier(channel.eventLoop)]!.value
        // Made once for the connection, not per stream: its streams live on its event loop and
        // share its client.
        let streamLoop = NIOLoopBound(loop, eventLoop: channel.eventLoop)
        let peer = DownstreamPeer(address: channel.remoteAddress, scheme: DownstreamTransport.http2.scheme)
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
        // A connection must open its first stream within header_timeout, as an HTTP/1.1 client
        // must send its first head: one that sends a HEADERS frame and never ends its header block
        // (or sends nothing after the preface) would otherwise be held until the idle timeout.
        let firstStreamDeadline = channel.eventLoop.assumeIsolated().scheduleTask(
            in: TimeAmount(loop.configuration.limits.headerTimeout)
        ) {
            channel.close(promise: nil)
        }
        // Cancelled by the first stream only: a cancel searches the loop's whole timer heap.
        let firstStreamPending = NIOLoopBoundBox(Optional(firstStreamDeadline), eventLoop: channel.eventLoop)
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: .init(),
            streamDelegate: idleTimer.streamDelegate(
                forwardingTo: management.http2StreamDelegate, eventLoop: channel.eventLoop
            )
        ) { stream in
            if let deadline = firstStreamPending.value {
                deadline.cancel()
                firstStreamPending.value = nil
            }
            return stream.eventLoop.makeCompletedFuture {
                let handlers = stream.pipeline.syncOperations
                try handlers.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try handlers.addHandler(DownstreamConnectionHandler(loop: streamLoop.value, transport: .http2, peer: peer))
            }
        }
        try channel.pipeline.syncOperations.addHandler(management)
        // A connection error (a flood of RST_STREAM, SETTINGS or PING frames, a protocol
        // violation) makes NIOHTTP2 send GOAWAY and pass the error on: the connection closes here,
        // or it would stay open and keep its streams.
        try channel.pipeline.syncOperations.addHandler(NIOCloseOnErrorHandler())
    }
}
