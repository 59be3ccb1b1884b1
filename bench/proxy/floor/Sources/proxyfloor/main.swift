import Foundation
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

// proxyfloor --port P --tls-port T --backend HOST:PORT --cert PEM --key PEM --h2 streams|inline
//
// Plain HTTP/1.1 on P and TLS on T (ALPN h2 or http/1.1), all on one event loop. HTTP/1.1 is
// relayed byte for byte to a backend connection of its own (`Relay`); HTTP/2 streams are
// answered from pooled backend connections, each through a child channel (`--h2 streams`, the
// multiplexer Zenith uses) or on the connection's pipeline (`--h2 inline`). Prints
// "LISTENING P T" when both listen; runs until killed.

func option(_ name: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else {
        FileHandle.standardError.write("proxyfloor: --\(name) is required\n".data(using: .utf8)!)
        exit(2)
    }
    return args[i + 1]
}

/// An option that must be a port number.
func port(_ name: String) -> Int {
    guard let port = Int(option(name)), (0...65535).contains(port) else {
        FileHandle.standardError.write("proxyfloor: --\(name) must be a port number\n".data(using: .utf8)!)
        exit(2)
    }
    return port
}

let backend = option("backend").split(separator: ":")
guard backend.count == 2, let backendPort = Int(backend[1]) else {
    FileHandle.standardError.write("proxyfloor: --backend must be HOST:PORT\n".data(using: .utf8)!)
    exit(2)
}
let backendHost = String(backend[0])
let inline = option("h2") == "inline"

var tls = TLSConfiguration.makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(option("cert")).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: option("key"), format: .pem))
)
tls.applicationProtocols = ["h2", "http/1.1"]
let sslContext = try NIOSSLContext(configuration: tls)

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let pool = BackendPool(host: backendHost, port: backendPort, eventLoop: loop)
let relay = Relay(backendHost: backendHost, backendPort: backendPort)
let settings: HTTP2Settings = [
    HTTP2Setting(parameter: .maxConcurrentStreams, value: 128),
    HTTP2Setting(parameter: .initialWindowSize, value: 256 * 1024),
]

func configureHTTP2(_ channel: Channel) -> EventLoopFuture<Void> {
    channel.eventLoop.makeCompletedFuture {
        let handlers = channel.pipeline.syncOperations
        if inline {
            try handlers.addHandler(NIOHTTP2Handler(mode: .server, initialSettings: settings))
            try handlers.addHandler(InlineResponder(pool: pool))
        } else {
            var connection = NIOHTTP2Handler.ConnectionConfiguration()
            connection.initialSettings = settings
            _ = try handlers.configureHTTP2Pipeline(
                mode: .server, connectionConfiguration: connection, streamConfiguration: .init()
            ) { stream in
                stream.eventLoop.makeCompletedFuture {
                    try stream.pipeline.syncOperations.addHandler(StreamResponder(pool: pool))
                }
            }
        }
    }
}

func server(_ initializer: @escaping (Channel) -> EventLoopFuture<Void>) -> ServerBootstrap {
    ServerBootstrap(group: loop)
        .serverChannelOption(ChannelOptions.backlog, value: 1024)
        .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer(initializer)
}

let plain = try server { channel in relay.attach(to: channel) }
    .bind(host: "127.0.0.1", port: port("port")).wait()
let secure = try server { channel in
    channel.eventLoop.makeCompletedFuture {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        try channel.pipeline.syncOperations.addHandler(WriteGatherer())
    }.flatMap {
        channel.configureHTTP2SecureUpgrade(
            h2ChannelConfigurator: configureHTTP2,
            http1ChannelConfigurator: { channel in relay.attach(to: channel) }
        )
    }
}.bind(host: "127.0.0.1", port: port("tls-port")).wait()
print("LISTENING \(plain.localAddress!.port!) \(secure.localAddress!.port!)")
try plain.closeFuture.wait()
