import Foundation
import ZenithConfig

/// A configuration loaded the way `zenith` loads one: `config` and `routes` written to a temporary
/// directory (removed again) and read by `ConfigurationLoader`.
enum TestConfiguration {
    static func load(config: String, routes: String) throws -> ZenithConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zenith-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try config.write(to: directory.appendingPathComponent("zenith.toml"), atomically: true, encoding: .utf8)
        try routes.write(to: directory.appendingPathComponent("routes"), atomically: true, encoding: .utf8)
        return try ConfigurationLoader.load(configPath: directory.appendingPathComponent("zenith.toml").path).configuration
    }
}
