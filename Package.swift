// swift-tools-version:6.1
import PackageDescription

// Linux only: Zenith calls Glibc directly (signals, sockets handed over by systemd, the
// watchdog) and reads /proc, and what it installs is systemd units.
let package = Package(
    name: "zenith",
    products: [
        .executable(name: "zenith", targets: ["zenith"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        // Byte-level text helpers (ASCII case, hex, percent-decoding, HTTP byte classes) that
        // every module below reads requests and queries with; depends on nothing.
        .target(name: "ZenithText"),
        // Zenith's JSON reader and writer (Socket.IO payloads, the publish API, Engine.IO's open packet).
        .target(
            name: "ZenithJSON",
            dependencies: ["ZenithText", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "ZenithConfig",
            dependencies: ["ZenithText", "ZenithAMQP", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // Backoff between reconnection attempts, shared by the Redis and AMQP clients.
        .target(
            name: "ZenithBackoff",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "ZenithBackoffTests",
            dependencies: ["ZenithBackoff", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Zenith's consumer-only AMQP 0-9-1 client on SwiftNIO, for OpenStack's notifications (issue 15).
        .target(
            name: "ZenithAMQP",
            dependencies: [
                "ZenithText", "ZenithBackoff",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ZenithProxy",
            dependencies: [
                "ZenithConfig", "ZenithText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "EngineIO",
            dependencies: [
                "ZenithJSON", "ZenithText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "SocketIO",
            dependencies: [
                "EngineIO", "ZenithJSON", "ZenithText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "ZenithRealtime",
            dependencies: [
                "SocketIO", "EngineIO", "ZenithProxy", "ZenithConfig", "ZenithJSON", "ZenithText", "ZenithCluster", "ZenithAMQP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The browser scripts, compiled into the binary as `PackageResources.*` (one file installs everything).
            resources: [.embedInCode("Scripts/zenith.js"), .embedInCode("Scripts/zenith-horizon.js")]
        ),
        // Zenith's RESP2 client for Redis (commands, pub/sub, reconnect), for the cluster (issue 14).
        .target(
            name: "ZenithRedis",
            dependencies: [
                "ZenithText", "ZenithBackoff",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Zenith on several nodes: membership, broadcasts and session owners over Redis, and the
        // messages other Socket.IO emitters (python-socketio, @socket.io/redis-emitter) publish (issue 14).
        .target(
            name: "ZenithCluster",
            dependencies: [
                "ZenithRedis", "SocketIO", "EngineIO", "ZenithJSON", "ZenithConfig", "ZenithText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "zenith",
            dependencies: [
                "ZenithConfig",
                "ZenithProxy",
                "ZenithRealtime", "ZenithCluster", "SocketIO", "EngineIO", "ZenithJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Test support shared by test targets (servers on free loopback ports, the runtime's side
        // tables); not part of any product.
        .target(name: "LoopbackPorts", path: "Tests/LoopbackPorts"),
        .target(name: "SideTableProbe", path: "Tests/SideTableProbe"),
        .testTarget(name: "ZenithTextTests", dependencies: ["ZenithText"]),
        .testTarget(name: "ZenithJSONTests", dependencies: ["ZenithJSON", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "ZenithConfigTests", dependencies: ["ZenithConfig"]),
        .testTarget(
            name: "EngineIOTests",
            dependencies: [
                "EngineIO",
                "SideTableProbe",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ZenithRealtimeTests",
            dependencies: [
                "ZenithRealtime", "SocketIO", "ZenithConfig", "ZenithJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ZenithRedisTests",
            dependencies: [
                "LoopbackPorts",
                "ZenithRedis", "ZenithBackoff",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: [
                "SocketIO",
                "EngineIO",
                "ZenithJSON",
                "SideTableProbe",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ZenithProxyTests",
            dependencies: [
                "ZenithProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "ZenithClusterTests",
            dependencies: [
                "LoopbackPorts",
                "ZenithCluster", "ZenithRedis", "SocketIO", "ZenithJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ZenithAMQPTests",
            dependencies: [
                "LoopbackPorts",
                "ZenithAMQP", "ZenithBackoff",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
