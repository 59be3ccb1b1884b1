// swift-tools-version:5.10
// The floors for bench/proxy/run.sh (targets nio-floor, nio-floor-inline and raw-floor): the
// least a proxy built on SwiftNIO, swift-nio-ssl and swift-nio-http2 must spend per request,
// and the same HTTP/1.1 relay without SwiftNIO, to compare Zenith and nginx against. Its own
// package so the benchmark never touches the product's Package.swift. Build: swift build -c release (in this folder).
import PackageDescription

let package = Package(
    name: "proxyfloor",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        .executableTarget(
            name: "proxyfloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        // The same HTTP/1.1 relay on epoll and read/write, without SwiftNIO (target raw-floor).
        .executableTarget(name: "rawfloor", dependencies: ["CEpoll"]),
        .target(name: "CEpoll"),
    ]
)
