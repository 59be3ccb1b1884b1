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
}
