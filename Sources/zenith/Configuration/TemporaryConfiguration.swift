#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A config file and routes file written to a fresh temporary directory, for the commands that
/// build their own configuration (`demo`, `conformance`) and load it through the normal loader.
/// The directory is removed when the value is released.
final class TemporaryConfiguration {
    let directory: String
    var configPath: String { self.directory + "/zenith.toml" }

    init(config: String, routes: String) throws {
        self.directory = FileManager.default.temporaryDirectory.path + "/zenith-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        try Data(("routes = \"routes\"\n" + config + "\n").utf8).write(to: URL(fileURLWithPath: self.configPath))
        try Data((routes + "\n").utf8).write(to: URL(fileURLWithPath: self.directory + "/routes"))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}
