import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One connection to Redis, authenticated and on its database: commands are pipelined (each
/// `send` writes at once; replies complete the futures in order). It does not reconnect: that is
/// `RedisReconnector`'s job. Every callback runs on the connection's event loop.
final class RedisConnection: Sendable {
    let channel: any Channel

    var eventLoop: any EventLoop { channel.eventLoop }
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects, then `AUTH` (when a password is configured) and `SELECT` (when the database is
    /// not 0); on any failure the channel is closed and the future fails (`RedisError`, or the
    /// connect/TLS error). `onMessage` receives the pushes once the connection subscribes.
    static func connect(
        _ configuration: RedisConfiguration, on eventLoop: any EventLoop,
        onMessage: (@Sendable (RedisMessage) -> Void)? = nil
    ) -> EventLoopFuture<RedisConnection> {
        let sslContext: NIOSSLContext?
        do {
            sslContext = try configuration.tls.map { try makeSSLContext($0) }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let serverName = configuration.tls.flatMap { $0.serverName ?? (isIPAddress(configuration.host) ? nil : configuration.host) }
        let limits = configuration.limits
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(RESPReplyDecoder(limits: limits), maximumBufferSize: limits.maxReplyBytes))
                    try pipeline.addHandler(RedisConnectionHandler(onMessage: onMessage))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .flatMap { channel in
                let connection = RedisConnection(channel: channel)
                return connection.handshake(configuration)
                    .map { connection }
                    .flatMapError { error in
                        channel.close(promise: nil)
                        return channel.eventLoop.makeFailedFuture(error)
                    }
            }
    }

    /// Sends `command`; the future fails with `RedisError.reply` on an error reply.
    func send(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        let promise = eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisRequest(command: command, expectation: .reply(promise)), promise: nil)
        return promise.futureResult
    }

    /// Sends a subscription command for `names`; succeeds once each is confirmed.
    func send(_ kind: RedisSubscriptionKind, _ names: [String]) -> EventLoopFuture<Void> {
        guard !names.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        let command = RESPCommand(arguments: [.text(kind.command)] + names.map { .text($0) })
        channel.writeAndFlush(RedisRequest(command: command, expectation: .confirmations(kind, count: names.count, promise)), promise: nil)
        return promise.futureResult
    }

    func close() -> EventLoopFuture<Void> {
        channel.close().recover { _ in }
    }

    private func handshake(_ configuration: RedisConfiguration) -> EventLoopFuture<Void> {
        var ready = eventLoop.makeSucceededVoidFuture()
        if let password = configuration.password {
            let arguments: [RESPCommand.Argument] = [.text("AUTH")] + (configuration.username.map { [.text($0)] } ?? []) + [.text(password)]
            ready = send(RESPCommand(arguments: arguments))
                .flatMapErrorThrowing { error in
                    guard case RedisError.reply(let text) = error else { throw error }
                    throw RedisError.authenticationFailed(text)
                }
                .map { _ in }
        }
        if configuration.database != 0 {
            let select = RESPCommand("SELECT", String(configuration.database))
            ready = ready.flatMap { self.send(select).map { _ in } }
        }
        // Without AUTH a server that wants a password refuses the first command with NOAUTH;
        // PING turns that into a clear error at connect time rather than at the first use.
        return ready.flatMap { self.send(RESPCommand("PING")) }
            .flatMapErrorThrowing { error in
                if case RedisError.reply(let text) = error, text.hasPrefix("NOAUTH") { throw RedisError.authenticationFailed(text) }
                throw error
            }
            .map { _ in }
    }

    private static func makeSSLContext(_ tls: RedisConfiguration.TLS) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = tls.caFile {
            configuration.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
