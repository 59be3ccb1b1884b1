import Foundation
import LoopbackPorts
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
        self.port = try port ?? LoopbackPorts.free()
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
            if LoopbackPorts.accepts(readyPort) { return }
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
