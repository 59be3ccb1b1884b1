import Foundation
import NIOCore
import NIOPosix

/// A real `redis-server` (Debian's, /usr/bin/redis-server) on a free loopback port, with no
/// persistence, in its own temporary directory; for the integration tests. `withRedisServer`
/// always stops it, also when the test fails.
final class RedisServer: @unchecked Sendable {
    static let binary = "/usr/bin/redis-server"

    let port: Int
    let directory: URL
    let extraArguments: [String]
    private var process: Process?

    init(extraArguments: [String] = [], port: Int? = nil) throws {
        self.port = try port ?? Self.freePort()
        self.extraArguments = extraArguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zenith-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Starts the server and waits (up to 10 s) until it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let readyPort = extraArguments.firstIndex(of: "--tls-port").map { Int(extraArguments[$0 + 1])! } ?? port
        for _ in 0..<200 {
            if Self.accepts(port: readyPort) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        throw RedisServerError(message: "redis-server did not start on port \(readyPort): \(log.suffix(2000))")
    }

    /// Kills the server (SIGKILL: it goes away as a crashed server would) and waits for it.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port the kernel just gave out for loopback (closed again: a small race, fine for tests).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw RedisServerError(message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct RedisServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body` with a started server; the server is stopped and its directory removed afterwards,
/// whether `body` succeeded or threw.
func withRedisServer<T>(
    _ extraArguments: [String] = [], _ body: (RedisServer) async throws -> T
) async throws -> T {
    let server = try RedisServer(extraArguments: extraArguments)
    defer {
        server.stop()
        server.removeDirectory()
    }
    try await server.start()
    return try await body(server)
}

/// One event loop for a test, shut down at the end.
func withEventLoop<T>(_ body: (any EventLoop) async throws -> T) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        let result = try await body(group.next())
        try await group.shutdownGracefully()
        return result
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}
