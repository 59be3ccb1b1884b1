// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for Zenith's parsers; see docs/fuzzing.md and scripts/fuzz.
//
// The parsers are internal to the library targets of the root package, and a package can only
// use another package's *products* (the root exports only the `zenith` executable), so
// `.package(path: "..")` cannot reach them. Instead Sources/{ZenithText,ZenithJSON,ZenithConfig,
// ZenithProxy,EngineIO,SocketIO,ZenithBackoff,ZenithRedis,ZenithAMQP,ZenithCluster} are symlinks to the root package's source directories, compiled
// here as this package's own targets with the same dependencies (keep the lists below in step with
// ../Package.swift). That also lets the sanitizer flags apply to Zenith's code and the harnesses
// only: swift-nio, BoringSSL, toml++ and the rest are built normally (faster to build and run;
// their code is not what is being fuzzed).

/// Coverage instrumentation and AddressSanitizer for the code under test; `-enable-testing` so the
/// harnesses can `@testable import` the internal parsers in any configuration (`-c release` too).
let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-enable-testing"])]

let package = Package(
    name: "zenith-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        // The code under test (symlinked from ../Sources), with the dependencies ../Package.swift gives it.
        zenith("ZenithText", []),
        zenith("ZenithJSON", ["ZenithText"] + nio("NIOCore")),
        zenith("ZenithConfig", ["ZenithText", "ZenithAMQP", .product(name: "TOMLKit", package: "TOMLKit")]),
        zenith("ZenithProxy", ["ZenithConfig", "ZenithText"] + nio("NIOCore", "NIOPosix", "NIOHTTP1") + [
            .product(name: "NIOExtras", package: "swift-nio-extras"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        ] + logAndMetrics),
        zenith("EngineIO", ["ZenithJSON", "ZenithText"] + nio("NIOCore", "NIOHTTP1", "NIOWebSocket", "NIOConcurrencyHelpers")
            + [.product(name: "Crypto", package: "swift-crypto")] + logAndMetrics),
        zenith("SocketIO", ["EngineIO", "ZenithJSON", "ZenithText"] + nio("NIOCore", "NIOConcurrencyHelpers") + logAndMetrics),
        zenith("ZenithBackoff", nio("NIOCore")),
        zenith("ZenithRedis", ["ZenithText", "ZenithBackoff"] + nio("NIOCore", "NIOPosix", "NIOConcurrencyHelpers") + [
            .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
        ]),
        zenith("ZenithAMQP", ["ZenithText", "ZenithBackoff"] + nio("NIOCore", "NIOPosix", "NIOConcurrencyHelpers") + [
            .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Only ZenithCluster's decoders of other processes' messages (Emitters/, MessagePack/), with
        // what they import: the rest of the module (the node, membership) is not fuzzed.
        .target(
            name: "ZenithCluster", dependencies: ["SocketIO", "ZenithJSON"] + nio("NIOCore"), path: "Sources/ZenithCluster",
            sources: ["Emitters", "MessagePack"], swiftSettings: instrumented
        ),

        // Shared by the harnesses: invariant checks and input slicing.
        .target(name: "FuzzSupport", swiftSettings: instrumented),
        .target(name: "SocketIOFuzzSupport", dependencies: ["ZenithJSON"], swiftSettings: instrumented),

        // One executable per harness; `scripts/fuzz` lists them by these names.
        harness("fuzz-request-head", ["ZenithProxy"] + nio("NIOEmbedded", "NIOHTTP1")),
        harness("fuzz-request-decoder", ["ZenithProxy"] + nio("NIOEmbedded", "NIOHTTP1")),
        harness("fuzz-upstream-response", ["ZenithProxy"]),
        harness("fuzz-engineio-packet", ["EngineIO"]),
        harness("fuzz-engineio-payload", ["EngineIO"]),
        harness("fuzz-engineio-query", ["EngineIO"]),
        harness("fuzz-websocket-frames", ["EngineIO"] + nio("NIOWebSocket")),
        harness("fuzz-socketio-packet", ["SocketIO", "SocketIOFuzzSupport"]),
        harness("fuzz-json", ["ZenithJSON", "SocketIOFuzzSupport"]),
        harness("fuzz-binary-assembler", ["SocketIO", "SocketIOFuzzSupport"]),
        harness("fuzz-byte-range", ["ZenithProxy"]),
        harness("fuzz-request-target", ["ZenithProxy", "ZenithText"]),
        harness("fuzz-script-injection", ["ZenithProxy"]),
        harness("fuzz-routes", ["ZenithConfig", "ZenithProxy"]),
        harness("fuzz-config", ["ZenithConfig"]),
        harness("fuzz-resp", ["ZenithRedis"]),
        harness("fuzz-amqp-frame", ["ZenithAMQP"]),
        harness("fuzz-emitter-message", ["ZenithCluster", "SocketIO", "ZenithJSON"]),
    ]
)

/// A target of Zenith's own code, instrumented.
func zenith(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, swiftSettings: instrumented)
}

func nio(_ products: String...) -> [Target.Dependency] {
    products.map { .product(name: $0, package: "swift-nio") }
}

// Computed: the manifest's top-level code runs in order, and `package` above comes first.
var logAndMetrics: [Target.Dependency] {
    [.product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")]
}

/// A libFuzzer executable: libFuzzer supplies `main`, the harness `LLVMFuzzerTestOneInput`.
func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + nio("NIOCore") + dependencies,
        path: "Harnesses/\(name)",
        swiftSettings: instrumented + [.unsafeFlags(["-parse-as-library"])],
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
    )
}
