import Testing
@testable import ZenithConfig

@Suite("The example configuration in conf/")
struct ExampleConfigurationTests {
    /// `conf/zenith.toml` of this repository, found from this file's place in it.
    static let examplePath: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // Tests/ZenithConfigTests/ExampleConfigurationTests.swift
        return (components + ["conf", "zenith.toml"]).joined(separator: "/")
    }()

    @Test("conf/zenith.toml and conf/routes load without errors or warnings")
    func loadsCleanly() throws {
        let loaded = try ConfigurationLoader.load(configPath: Self.examplePath)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.upstreams["horizon"]?.servers == [HostAndPort(host: "127.0.0.1", port: 8080)])
    }

    @Test("the example routes send Socket.IO to the engine and the dashboard to Horizon")
    func routing() throws {
        let routes = try ConfigurationLoader.load(configPath: Self.examplePath).configuration.routes
        #expect(routes.match(host: "dashboard.example.org", path: "/socket.io/?EIO=4&transport=polling")?.action == .realtime)
        #expect(routes.match(host: nil, path: "/dashboard/project/instances/")?.options.timeout == .seconds(120))
        #expect(routes.match(host: nil, path: "/dashboard/static/dashboard/js/app.js")?.action == .proxy(upstream: "horizon"))
        #expect(routes.match(host: nil, path: "/")?.action == .proxy(upstream: "horizon"))
    }
}
