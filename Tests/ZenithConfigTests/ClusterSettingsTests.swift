import Testing

@testable import ZenithConfig

@Suite("[cluster]")
struct ClusterSettingsTests {
    @Test("absent: no cluster, Redis is never contacted")
    func absent() throws {
        #expect(try ConfigFixture(config: minimalConfig).load().configuration.cluster == nil)
    }

    @Test("every key read, files resolved against the config's folder")
    func everyKey() throws {
        let fixture = try ConfigFixture(config: minimalConfig + """
            [cluster]
            redis = "rediss://redis.internal:6380/2"
            password_file = "redis.password"
            ca_file = "ca.pem"
            node = "ctl-1"
            advertise = "10.0.0.11:80"
            prefix = "zen"
            python_channel = "horizon"
            emitter_key = "sio"

            [proxy]
            trusted_proxies = ["10.0.0.0/24"]

            """)
        try fixture.write("redis.password", "secret\n")
        try fixture.write("ca.pem", "")
        let loaded = try fixture.load()
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.cluster == ClusterSettings(
            redis: "rediss://redis.internal:6380/2", passwordFile: fixture.directory + "/redis.password",
            caFile: fixture.directory + "/ca.pem", node: "ctl-1", advertise: HostAndPort(host: "10.0.0.11", port: 80),
            prefix: "zen", pythonChannel: "horizon", emitterKey: "sio"
        ))
    }

    @Test("the node name defaults to the host name up to its first dot, and must fit in a sid")
    func nodeNames() {
        #expect(ClusterSettings.defaultNodeName(hostName: "ctl1.example.com") == "ctl1")
        #expect(ClusterSettings.defaultNodeName(hostName: "ctl2") == "ctl2")
        #expect(ClusterSettings.isValidNodeName("ctl_1-a"))
        #expect(!ClusterSettings.isValidNodeName("ctl1.example.com"))
        #expect(!ClusterSettings.isValidNodeName(""))
        #expect(!ClusterSettings.isValidNodeName(String(repeating: "a", count: 33)))
    }

    @Test("bad values are errors on their lines; a password in the URL is a warning")
    func badValues() throws {
        let fixture = try ConfigFixture(config: minimalConfig + """
            [cluster]
            redis = "http://r:6379"
            node = "ctl.1"
            advertise = "0.0.0.0:80"
            prefix = "a b"
            password_file = "missing"

            """)
        let messages = fixture.diagnostics().map(\.description).filter { $0.contains(": error: ") }
        let path = fixture.configPath
        #expect(messages == [
            "\(path):4: error: redis must be a redis:// or rediss:// URL",
            "\(path):5: error: node must be letters, digits, '-' or '_', at most 32 characters",
            "\(path):6: error: advertise must be an address the other nodes can reach, not a wildcard",
            "\(path):7: error: prefix must be 1 to 64 printable ASCII characters without spaces or '*'",
            "\(path):8: error: password_file '\(fixture.directory)/missing' does not exist or is not a file",
        ])
        let warned = try ConfigFixture(config: minimalConfig + """
            [cluster]
            redis = "redis://:pw@r:6379"
            node = "a"
            advertise = "10.0.0.1:80"

            """).load()
        #expect(warned.warnings.map(\.description).count == 2)
        #expect(warned.warnings.contains { $0.description.contains("put it in password_file") })
        #expect(warned.warnings.contains { $0.description.contains("list their addresses in [proxy] trusted_proxies") })
        #expect(try ConfigFixture(config: minimalConfig + "[cluster]\nnode = \"a\"\n").diagnostics().map(\.description).count == 2)
    }

    @Test("recovery_file is not used in a cluster: a warning says so")
    func recoveryFileInACluster() throws {
        let loaded = try ConfigFixture(config: minimalConfig + """
            [realtime]
            recovery = "2m"
            recovery_file = "recovery.json"

            [proxy]
            trusted_proxies = ["10.0.0.0/24"]

            [cluster]
            redis = "redis://r:6379"
            node = "a"
            advertise = "10.0.0.1:80"

            """).load()
        #expect(loaded.warnings.map(\.description).count == 1)
        #expect(loaded.warnings.contains { $0.description.contains("recovery_file is not used in a cluster") })
    }
}
