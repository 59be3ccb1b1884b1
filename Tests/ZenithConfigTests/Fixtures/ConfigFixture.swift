import Foundation
@testable import ZenithConfig

/// A temporary directory holding a config file and a routes file, removed when the fixture goes.
final class ConfigFixture {
    let directory: String

    var configPath: String { directory + "/zenith.toml" }
    var routesPath: String { directory + "/routes" }

    /// A fixture with `config` as zenith.toml and, unless nil, `routes` as the routes file.
    init(config: String, routes: String? = "* / proxy 127.0.0.1:8080\n") throws {
        directory = FileManager.default.temporaryDirectory.path + "/zenith-config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write("zenith.toml", config)
        if let routes {
            try write("routes", routes)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func makeDirectory(_ name: String) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func load() throws(ConfigurationError) -> ValidatedConfiguration {
        try ConfigurationLoader.load(configPath: configPath)
    }

    /// The diagnostics of a load that is expected to fail; empty when it unexpectedly succeeded.
    func diagnostics() -> [ConfigDiagnostic] {
        do {
            _ = try load()
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The routes of a load that is expected to succeed.
    func routes() throws -> [Route] {
        try load().configuration.routes.routes
    }
}

/// The smallest valid config file, to which tests append what they are about.
let minimalConfig = """
    [listen]
    http = ["127.0.0.1:8000"]

    """

/// An upstream and the `[realtime.auth]` section that watchers need, to follow `minimalConfig`
/// (lines 3 to 7).
let horizonAuth = """
    [upstream.horizon]
    servers = ["127.0.0.1:8080"]
    [realtime.auth]
    upstream = "horizon"
    endpoint = "/dashboard/api/keystone/user-session/"

    """

/// A valid `[[watch]]` entry of 7 lines, to follow `horizonAuth`.
let serversWatch = """
    [[watch]]
    name = "servers"
    upstream = "horizon"
    path = "/api/servers"
    key = "id"
    fields = ["status"]
    room = "project:{project_id}"

    """
