import Foundation
import LoopbackPorts
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A private RabbitMQ node (Debian's `rabbitmq-server`) for one test suite: its own loopback
/// ports (AMQP, distribution, epmd), node name, data and log directories under a temporary
/// directory, so it never touches a system broker. Started once per suite by `RabbitMQBrokerTrait`.
final class RabbitMQBroker: Sendable {
    let port: Int
    let directory: String
    let environment: [String: String]
    private let process: Process

    @TaskLocal static var current: RabbitMQBroker?

    static let serverPath = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    static let controlPath = "/usr/lib/rabbitmq/bin/rabbitmqctl"

    private init(port: Int, directory: String, environment: [String: String], process: Process) {
        self.port = port
        self.directory = directory
        self.environment = environment
        self.process = process
    }

    static func start() async throws -> RabbitMQBroker {
        let directory = try temporaryDirectory()
        let port = try LoopbackPorts.free()
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory  // the Erlang cookie rabbitmqctl must share
        environment["RABBITMQ_NODE_PORT"] = "\(port)"
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1"
        environment["RABBITMQ_NODENAME"] = "zenith-test-\(getpid())@localhost"
        environment["RABBITMQ_MNESIA_BASE"] = directory + "/mnesia"
        environment["RABBITMQ_LOG_BASE"] = directory + "/log"
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = directory + "/enabled_plugins"
        environment["RABBITMQ_CONFIG_FILE"] = directory + "/rabbitmq"
        environment["RABBITMQ_PID_FILE"] = directory + "/rabbitmq.pid"
        environment["ERL_EPMD_PORT"] = "\(try LoopbackPorts.free())"
        environment["RABBITMQ_DIST_PORT"] = "\(try LoopbackPorts.free())"
        try "[].\n".write(toFile: directory + "/enabled_plugins", atomically: true, encoding: .utf8)
        try "loopback_users = none\n".write(toFile: directory + "/rabbitmq.conf", atomically: true, encoding: .utf8)
        let process = Process()
        // Foundation starts the child in a process group of its own (the script execs erl), which
        // `stop()` can kill whole.
        process.executableURL = URL(fileURLWithPath: serverPath)
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let log = FileHandle(forWritingAtPath: try createFile(directory + "/server.out"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let broker = RabbitMQBroker(port: port, directory: directory, environment: environment, process: process)
        do {
            try await broker.waitUntilAccepting(timeout: 90)
        } catch {
            broker.stop()
            throw error
        }
        return broker
    }

    /// Waits until the AMQP port accepts a connection (bounded).
    func waitUntilAccepting(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if LoopbackPorts.accepts(port) { return }
            guard process.isRunning else { throw BrokerError("rabbitmq-server exited: \(tail(of: directory + "/server.out"))") }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BrokerError("rabbitmq-server did not accept AMQP within \(timeout) s: \(tail(of: directory + "/server.out"))")
    }

    /// Runs `rabbitmqctl` against this node; returns its output, throws when it fails.
    @discardableResult
    func control(_ arguments: String...) throws -> String {
        try Self.run(Self.controlPath, arguments, environment: environment, timeout: 60)
    }

    /// Stops the node (`rabbitmqctl stop`), then kills whatever is left of its process group and
    /// the epmd it started; removes the directory.
    func stop() {
        _ = try? Self.run(Self.controlPath, ["stop"], environment: environment, timeout: 30)
        let group = process.processIdentifier
        if group > 0 { kill(-group, SIGKILL) }
        _ = try? Self.run("/usr/bin/epmd", ["-kill"], environment: environment, timeout: 10)
        Self.waitForExit(process, timeout: 10)
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: helpers

    static func run(_ path: String, _ arguments: [String], environment: [String: String], timeout: Double) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        // A file, not a pipe: a daemon the command starts (epmd) may keep a pipe open forever.
        let outputPath = NSTemporaryDirectory() + "zenith-amqp-run-\(UUID().uuidString)"
        let output = FileHandle(forWritingAtPath: try createFile(outputPath))
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        waitForExit(process, timeout: timeout)
        try? output?.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw BrokerError("\(path) \(arguments) failed: \(text)") }
        return text
    }

    /// Polls (Foundation's `waitUntilExit` spins its run loop, and could wait forever).
    static func waitForExit(_ process: Process, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(-process.processIdentifier, SIGKILL)
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(20_000) }
        }
    }

    private static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "zenith-amqp-XXXXXX").utf8CString)
        guard let path = mkdtemp(&template) else { throw BrokerError("mkdtemp failed") }
        return String(cString: path)
    }

    private static func createFile(_ path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw BrokerError("cannot create \(path)") }
        return path
    }

    private func tail(of path: String) -> String {
        String((try? String(contentsOfFile: path, encoding: .utf8))?.suffix(2000) ?? "")
    }
}

struct BrokerError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Starts one broker around a whole suite (not per test) and always stops it, also when a test
/// or the start fails; the suite's tests find it as `RabbitMQBroker.current`.
struct RabbitMQBrokerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let broker = try await RabbitMQBroker.start()
        do {
            try await RabbitMQBroker.$current.withValue(broker) { try await function() }
        } catch {
            broker.stop()
            throw error
        }
        broker.stop()
    }
}

extension Trait where Self == RabbitMQBrokerTrait {
    /// A private RabbitMQ node for the suite.
    static var rabbitMQBroker: RabbitMQBrokerTrait { RabbitMQBrokerTrait() }
}
