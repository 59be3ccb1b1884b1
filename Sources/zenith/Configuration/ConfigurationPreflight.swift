import Foundation

/// Runs `zenith check` on a config file in a child process before this process reads it.
///
/// The TOML library under the config loader (toml++, through TOMLKit) asserts on some malformed
/// input instead of reporting an error, and its assertions are compiled in: such a file would
/// abort `zenith check` with a core dump instead of an error line, and, read by a serving process
/// on SIGHUP, would abort it with every connection it holds. Parsed in a child first, it costs
/// only the child. The fuzzers found such inputs (docs/fuzzing.md); the loader refuses those
/// itself, this covers the ones not found yet.
enum ConfigurationPreflight {
    /// The child died of a signal: the file holds TOML the parser cannot read.
    struct Crash: Error, CustomStringConvertible {
        let path: String
        let signal: Int32
        var description: String {
            "\(self.path): error: TOML syntax error: the parser aborted (signal \(self.signal)) on this file; "
                + "look for a malformed table header, array or inline table"
        }
    }

    /// The hidden flag that makes `zenith check` read the file itself, as the child does.
    static let childFlag = "--in-process"

    /// Throws `Crash` when the child died of a signal; its exit status is not looked at, since the
    /// caller reads the file itself next and reports its errors as usual.
    static func check(_ path: String) throws {
        let process = try Self.start(path, whenDone: nil)
        process.waitUntilExit()
        try Self.verdict(process.terminationReason, process.terminationStatus, path: path)
    }

    /// `check` without holding a thread while the child runs.
    static func check(_ path: String) async throws {
        let (reason, status) = try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try Self.start(path) { continuation.resume(returning: ($0.terminationReason, $0.terminationStatus)) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        try Self.verdict(reason, status, path: path)
    }

    private static func start(_ path: String, whenDone: (@Sendable (Process) -> Void)?) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["check", "--config", path, Self.childFlag]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = whenDone
        try process.run()
        return process
    }

    private static func verdict(_ reason: Process.TerminationReason, _ status: Int32, path: String) throws {
        if reason == .uncaughtSignal {
            throw Crash(path: path, signal: status)
        }
    }
}
