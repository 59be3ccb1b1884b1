// swift-tools-version:5.10
// Load generator for bench/realtime/run.sh: Socket.IO v5 / Engine.IO v4 WebSocket subscribers
// and an HTTP/1.1 publisher, on SwiftNIO. Its own package so the benchmark never touches the
// product's Package.swift. Build: swift build -c release (in this folder).
import PackageDescription

let package = Package(
    name: "loadgen",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .executableTarget(
            name: "loadgen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        )
    ]
)
