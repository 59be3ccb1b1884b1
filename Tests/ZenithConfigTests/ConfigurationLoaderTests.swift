import Testing
@testable import ZenithConfig

@Suite("The config file")
struct ConfigurationLoaderTests {
    /// The messages reported for the config file, as `line: message`.
    func errors(_ config: String, routes: String? = "* / proxy 127.0.0.1:8080\n") throws -> [String] {
        let fixture = try ConfigFixture(config: config, routes: routes)
        return fixture.diagnostics().map { "\($0.line): \($0.message)" }
    }

    @Test("a config with only a listener gets every default")
    func defaults() throws {
        let configuration = try ConfigFixture(config: minimalConfig).load().configuration
        #expect(configuration.listen == ListenConfiguration(http: [HostAndPort(host: "127.0.0.1", port: 8000)], https: []))
        #expect(configuration.tls == nil)
        #expect(configuration.limits == Limits(headerBytes: 65536, bodyBytes: 100 << 20, headerTimeout: .seconds(10), keepaliveTimeout: .seconds(75)))
        #expect(configuration.proxy == ProxySettings(trustedProxies: [], preserveHost: true))
        #expect(configuration.log == LogSettings(level: "info", access: true))
        #expect(Array(configuration.upstreams.keys) == ["127.0.0.1:8080"])
    }

    @Test("every documented key is read")
    func everyKey() throws {
        let fixture = try ConfigFixture(config: "", routes: "* / proxy app\n")
        try fixture.write("cert.pem", "x")
        try fixture.write("key.pem", "x")
        try fixture.write("my-routes", "* / proxy app\n")
        try fixture.write("zenith.toml", """
            routes = "my-routes"
            [listen]
            http = ["0.0.0.0:80", "[::]:8080"]
            https = ["0.0.0.0:443"]
            [tls]
            certificate = "cert.pem"
            key = "\(fixture.directory)/key.pem"
            [limits]
            header_bytes = "32KiB"
            body_bytes = 1000000
            header_timeout = "5s"
            keepalive_timeout = 30
            [proxy]
            trusted_proxies = ["10.0.0.0/8", "::1"]
            preserve_host = false
            [upstream.app]
            servers = ["app1:8000", "app2:8000"]
            max_connections = 8
            connect_timeout = "250ms"
            response_timeout = "2m"
            idle_timeout = "1h"
            fail_timeout = "1d"
            [log]
            level = "debug"
            access = false
            """)
        let configuration = try fixture.load().configuration
        #expect(configuration.listen.http == [HostAndPort(host: "0.0.0.0", port: 80), HostAndPort(host: "::", port: 8080)])
        #expect(configuration.listen.https == [HostAndPort(host: "0.0.0.0", port: 443)])
        #expect(configuration.tls == TLSFiles(certificate: fixture.directory + "/cert.pem", key: fixture.directory + "/key.pem"))
        #expect(configuration.limits == Limits(headerBytes: 32768, bodyBytes: 1_000_000, headerTimeout: .seconds(5), keepaliveTimeout: .seconds(30)))
        #expect(configuration.proxy == ProxySettings(trustedProxies: ["10.0.0.0/8", "::1"], preserveHost: false))
        #expect(configuration.upstreams["app"] == UpstreamConfiguration(
            name: "app", servers: [HostAndPort(host: "app1", port: 8000), HostAndPort(host: "app2", port: 8000)],
            maxConnections: 8, connectTimeout: .milliseconds(250), responseTimeout: .seconds(120),
            idleTimeout: .seconds(3600), failTimeout: .seconds(86400)))
        #expect(configuration.log == LogSettings(level: "debug", access: false))
        #expect(configuration.routes.routes.first?.file == fixture.directory + "/my-routes")
    }

    @Test("an unknown key in [limits] is an error on its line")
    func unknownKeyInSection() throws {
        #expect(try errors(minimalConfig + "[limits]\nbody_bytes = \"1MiB\"\nbody_size = 5\n") == [
            "5: unknown key 'body_size' in [limits]"
        ])
    }

    @Test("a table header that would trip toml++'s assertion is a syntax error on its line, not an abort", arguments: [
        ("[!", "'!'"), ("[.a]", "'.'"), ("[[ $x]]", "'$'"), ("  [\t%y]", "'%'"), ("[", "the end of the line"),
        ("[[ ", "the end of the line"), ("[\r", "the end of the line"), ("[\u{E9}]", "the byte 0xC3"),
    ])
    func unparsableTableHeader(header: String, found: String) throws {
        #expect(try errors(minimalConfig + header + "\n") == [
            "3: TOML syntax error: a table header must start with a key, saw \(found)"
        ])
    }

    @Test("a [ that starts a line of a multi-line string is text, not a header")
    func bracketInMultiLineString() {
        #expect(TOMLTableHeaderCheck.firstUnparsableHeader(in: "x = \"\"\"\n[!text\n\"\"\"\n[!real\n")?.line == 4)
        #expect(TOMLTableHeaderCheck.firstUnparsableHeader(in: "x = '''a'''\n[!b\n")?.line == 2)
        #expect(TOMLTableHeaderCheck.firstUnparsableHeader(in: "[a]\n[\"q\"]\n[[b]]\n['c']\n") == nil)
        // CRLF line ends count lines as LF ones do (a String would take "\r\n" for one Character).
        #expect(TOMLTableHeaderCheck.firstUnparsableHeader(in: "a = 1\r\n[b]\r\n[!c]\r\n")?.line == 3)
    }

    @Test("unknown top-level keys and sections are errors on their lines")
    func unknownTopLevel() throws {
        #expect(try errors("rootes = \"x\"\n" + minimalConfig + "[lmits]\nheader_bytes = 1\n") == [
            "1: unknown key 'rootes' in the top level",
            "4: unknown section [lmits]",
        ])
    }

    @Test("[publish], [metrics] and a Horizon [[watch]] load without warnings")
    func horizonSections() throws {
        let fixture = try ConfigFixture(config: "")
        try fixture.write("token", "secret\n")
        try fixture.write("zenith.toml", minimalConfig + horizonAuth + """
            [publish]
            listen = "127.0.0.1:9180"
            token_file = "token"
            [metrics]
            listen = "127.0.0.1:9181"
            [[watch]]
            name = "servers"
            upstream = "horizon"
            path = "/dashboard/api/nova/servers/"
            headers = { "X-Requested-With" = "XMLHttpRequest" }
            items = "items"
            key = "id"
            fields = ["status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"]
            interval = "2s"
            room = "project:{project_id}"
            """)
        let loaded = try fixture.load()
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.watches == [WatchSettings(
            name: "servers", upstream: "horizon", path: "/dashboard/api/nova/servers/",
            headers: ["X-Requested-With": "XMLHttpRequest"], items: "items", key: "id",
            fields: ["status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"], interval: .seconds(2),
            room: "project:{project_id}", timeout: .seconds(10), maxResponseBytes: 8 << 20)])
        #expect(loaded.configuration.watches[0].idleInterval == .seconds(2))
    }

    @Test("idle_interval is read and may not be shorter than interval")
    func watchIdleInterval() throws {
        let entry = serversWatch + "interval = \"2s\"\n"
        let configuration = try ConfigFixture(config: minimalConfig + horizonAuth + entry + "idle_interval = \"30s\"\n")
            .load().configuration
        #expect(configuration.watches[0].idleInterval == .seconds(30))
        #expect(try errors(minimalConfig + horizonAuth + entry + "idle_interval = \"1s\"\n") == [
            "16: idle_interval must not be shorter than interval"
        ])
    }

    @Test("[[watch]] entries are checked one by one, each error on its own line")
    func watchErrors() throws {
        let config = minimalConfig + horizonAuth + """
            [[watch]]
            name = "servers"
            upstream = "horizon"
            path = "/dashboard/api/nova/servers/"
            key = "id"
            fields = ["status"]
            room = "project:{project_id}"
            [[watch]]
            name = "servers"
            upstream = "nova"
            path = "api/volumes"
            key = "id"
            fields = []
            interval = "10ms"
            room = "everyone"
            colour = "blue"
            [[watch]]
            name = "bad name"
            room = "domain:{domain}"
            """
        #expect(try errors(config) == [
            "16: a watch named 'servers' is already defined",
            "17: unknown upstream 'nova' in [[watch]] #2",
            "18: path must start with '/'",
            "20: invalid value for 'fields' in [[watch]] #2: expected a non-empty array of a string, found an array",
            "21: interval must be at least 100ms",
            "22: room 'everyone' must name an identity field such as {project_id}",
            "23: unknown key 'colour' in [[watch]] #2",
            "24: missing 'upstream' in [[watch]] #3",
            "24: missing 'path' in [[watch]] #3",
            "24: missing 'key' in [[watch]] #3",
            "24: missing 'fields' in [[watch]] #3",
            "25: name 'bad name' must be letters, digits, '_', '-' or '.'",
            "26: '{domain}' in 'domain:{domain}' is not an identity field",
        ])
    }

    @Test("configured headers and paths that would split a request line are errors")
    func requestInjection() throws {
        let config = minimalConfig + horizonAuth + serversWatch.replacingOccurrences(
            of: "path = \"/api/servers\"", with: "path = \"/api/servers HTTP/1.1\\r\\nX: y\""
        ) + "headers = { \"X-Bad Name\" = \"1\", \"X-Ok\" = \"a\\r\\nb\" }\n"
        #expect(try errors(config) == [
            "11: path must hold no spaces or control characters",
            "15: 'X-Bad Name' in headers is not an HTTP header name",
            "15: the value of 'X-Ok' in headers holds a control character",
        ])
    }

    @Test("[[watch]] without [realtime.auth] is an error, and so is a [watch] table")
    func watchNeedsAuth() throws {
        let entry = "[upstream.horizon]\nservers = [\"127.0.0.1:8080\"]\n" + serversWatch
        #expect(try errors(minimalConfig + entry) == [
            "5: [[watch]] needs [realtime.auth]: a watcher polls with an authenticated socket's session"
        ])
        #expect(try errors(minimalConfig + "[watch]\nname = \"servers\"\n").count == 1)
    }

    @Test("[realtime] keys are read, with defaults for the rest")
    func realtimeSettings() throws {
        let configuration = try ConfigFixture(config: minimalConfig + """
            [realtime]
            ping_interval = "300ms"
            max_payload = "64KiB"
            allowed_origins = ["https://dash.example.org", "*.example.net"]
            namespaces = ["/", "/custom"]
            """).load().configuration
        #expect(configuration.realtime.pingInterval == .milliseconds(300))
        #expect(configuration.realtime.pingTimeout == .seconds(20))
        #expect(configuration.realtime.maxPayload == 65536)
        #expect(configuration.realtime.allowedOrigins == ["https://dash.example.org", "*.example.net"])
        #expect(configuration.realtime.namespaces == ["/", "/custom"])
        #expect(configuration.publish == nil)
    }

    @Test("a namespace or origin written wrong is an error on its line")
    func realtimeErrors() throws {
        #expect(try errors(minimalConfig + "[realtime]\nnamespaces = [\"chat\"]\nallowed_origins = [\"dash.example.org\"]\n") == [
            "4: namespace 'chat' must start with '/'",
            "5: origin 'dash.example.org' must be scheme://host[:port], *.domain or *",
        ])
    }

    @Test("[realtime.auth] is read with Horizon's defaults")
    func authSettings() throws {
        let auth = try ConfigFixture(config: minimalConfig + """
            [upstream.horizon]
            servers = ["127.0.0.1:8080"]
            [realtime.auth]
            upstream = "horizon"
            endpoint = "/dashboard/api/keystone/user-session/"
            revalidate = "1m"
            subscribe = ["project:{project_id}:*"]
            [realtime.auth.fields]
            name = "user_name"
            """).load().configuration.realtime.auth
        #expect(auth?.cookies == ["sessionid"])
        #expect(auth?.headers == ["X-Requested-With": "XMLHttpRequest"])
        #expect(auth?.revalidate == .seconds(60))
        #expect(auth?.cacheTTL == .seconds(30))
        #expect(auth?.rooms == ["user:{id}", "project:{project_id}"])
        #expect(auth?.subscribe == ["project:{project_id}:*"])
        #expect(auth?.fields["name"] == "user_name")
        #expect(auth?.fields["id"] == "id")
    }

    @Test("[realtime.auth] errors are reported on their lines")
    func authErrors() throws {
        #expect(try errors(minimalConfig + """
            [realtime.auth]
            upstream = "nowhere"
            endpoint = "api/user"
            rooms = ["user:{uid}"]
            """) == [
            "4: unknown upstream 'nowhere' in [realtime.auth]",
            "5: endpoint must be a path starting with '/'",
            "6: '{uid}' in 'user:{uid}' is not an identity field",
        ])
    }

    @Test("[publish] needs a listen address and an existing token file")
    func publishErrors() throws {
        #expect(try errors(minimalConfig + "[publish]\nlisten = \"127.0.0.1:9180\"\n") == [
            "3: missing 'token_file' in [publish]"
        ])
        #expect(try errors(minimalConfig + "[publish]\nlisten = \"127.0.0.1:9180\"\ntoken_file = \"nope\"\n").first?.hasPrefix("5: token_file") == true)
    }

    @Test("a value of the wrong type is an error on its line", arguments: [
        ("[limits]\nheader_bytes = true", "invalid value for 'header_bytes' in [limits]: expected a size from 1KiB to 1MiB, as bytes or a string such as \"64KiB\", found true"),
        ("[limits]\nbody_bytes = \"lots\"", "invalid value for 'body_bytes' in [limits]: expected a size as bytes or a string such as \"64KiB\", found \"lots\""),
        ("[limits]\nheader_timeout = \"0s\"", "invalid value for 'header_timeout' in [limits]: expected a duration greater than zero, such as \"30s\", found \"0s\""),
        ("[proxy]\npreserve_host = \"yes\"", "invalid value for 'preserve_host' in [proxy]: expected true or false, found \"yes\""),
        ("[proxy]\ntrusted_proxies = [\"10.0.0.0/40\"]", "invalid value for 'trusted_proxies' in [proxy]: expected an array of IP addresses or CIDR blocks such as \"10.0.0.0/8\", found \"10.0.0.0/40\""),
        ("[log]\nlevel = \"verbose\"", "invalid value for 'level' in [log]: expected one of trace, debug, info, notice, warning, error, critical, found \"verbose\""),
        ("[log]\naccess = 1", "invalid value for 'access' in [log]: expected true or false, found 1"),
        ("routes = 5", "invalid value for 'routes' in the top level: expected a string, found 5"),
    ])
    func wrongType(config: String, message: String) throws {
        let lines = config.split(separator: "\n").count
        #expect(try errors(config + "\n" + minimalConfig) == ["\(lines): \(message)"])
    }

    @Test("header_bytes outside 1KiB to 1MiB is refused")
    func headerBytesRange() throws {
        #expect(try errors(minimalConfig + "[limits]\nheader_bytes = 512\n").count == 1)
        #expect(try errors(minimalConfig + "[limits]\nheader_bytes = \"2MiB\"\n").count == 1)
    }

    @Test("upstream settings are validated on their lines")
    func upstreamErrors() throws {
        #expect(try errors(minimalConfig + """
            [upstream.a]
            servers = []
            [upstream.b]
            servers = ["localhost"]
            max_connections = 0
            [upstream.c]
            connect_timeout = "3s"
            """) == [
                "4: invalid value for 'servers' in [upstream.a]: expected a non-empty array of \"host:port\" strings (IPv6 as \"[::1]:8080\"), found an array",
                "6: invalid value for 'servers' in [upstream.b]: expected a non-empty array of \"host:port\" strings (IPv6 as \"[::1]:8080\"), found \"localhost\"",
                "7: invalid value for 'max_connections' in [upstream.b]: expected an integer from 1 to 10000, found 0",
                "8: missing 'servers' in [upstream.c]",
            ])
    }

    @Test("an upstream with errors is not also reported as unknown by the routes")
    func brokenUpstreamIsKnown() throws {
        let diagnostics = try ConfigFixture(config: minimalConfig + "[upstream.app]\nservers = 5\n", routes: "* / proxy app\n").diagnostics()
        #expect(diagnostics.map(\.line) == [4])
    }

    @Test("an upstream name that could not be written in the routes file is refused")
    func upstreamName() throws {
        #expect(try errors(minimalConfig + "[upstream.\"a b\"]\nservers = [\"x:1\"]\n") == [
            "3: upstream name 'a b' may contain only letters, digits, '-', '_' and '.'"
        ])
    }

    @Test("a config without any listen address is refused")
    func noListener() throws {
        #expect(try errors("[log]\nlevel = \"info\"\n") == ["0: no listen address: set http or https in [listen]"])
        #expect(try errors("[listen]\nhttp = []\n") == ["1: no listen address: set http or https in [listen]"])
    }

    @Test("listen addresses must be host:port")
    func badListenAddress() throws {
        #expect(try errors("[listen]\nhttp = [\"0.0.0.0\"]\n") == [
            "1: no listen address: set http or https in [listen]",
            "2: invalid value for 'http' in [listen]: expected an array of \"host:port\" strings (IPv6 as \"[::1]:8080\"), found \"0.0.0.0\"",
        ])
    }

    @Test("https listeners without [tls] are refused on the https line")
    func httpsWithoutTLS() throws {
        #expect(try errors("[listen]\nhttp = [\"0.0.0.0:80\"]\nhttps = [\"0.0.0.0:443\"]\n") == [
            "3: https listeners need a [tls] section with certificate and key"
        ])
    }

    @Test("tls files must be given and exist")
    func tlsFiles() throws {
        let fixture = try ConfigFixture(config: """
            [listen]
            https = ["0.0.0.0:443"]
            [tls]
            certificate = "missing.pem"
            """)
        #expect(fixture.diagnostics().map { "\($0.line): \($0.message)" } == [
            "3: missing 'key' in [tls]",
            "4: certificate file '\(fixture.directory)/missing.pem' does not exist or is not a file",
        ])
    }

    @Test("[tls] without an https listener is a warning")
    func unusedTLS() throws {
        let fixture = try ConfigFixture(config: minimalConfig + "[tls]\ncertificate = \"c.pem\"\nkey = \"c.pem\"\n")
        try fixture.write("c.pem", "x")
        let warnings = try fixture.load().warnings
        #expect(warnings.map(\.description) == ["\(fixture.configPath):3: warning: [tls] is set but no https listener uses it"])
    }

    @Test("a TOML syntax error is reported on the line TOMLKit names")
    func syntaxError() throws {
        let diagnostics = try ConfigFixture(config: minimalConfig + "[limits]\nheader_bytes = = 3\n").diagnostics()
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.line == 4)
        #expect(diagnostics.first?.message.hasPrefix("TOML syntax error: ") == true)
    }

    @Test("a missing config file is a single diagnostic")
    func missingConfig() {
        let path = "/nonexistent/zenith.toml"
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(configPath: path) }
        do {
            _ = try ConfigurationLoader.load(configPath: path)
        } catch {
            #expect(error.diagnostics.map(\.description) == ["/nonexistent/zenith.toml: error: cannot read: no such file"])
        }
    }

    @Test("a missing routes file is an error on the routes line")
    func missingRoutes() throws {
        let fixture = try ConfigFixture(config: "routes = \"nope\"\n" + minimalConfig)
        #expect(fixture.diagnostics().map(\.description) == [
            "\(fixture.configPath):1: error: cannot read routes file '\(fixture.directory)/nope': no such file"
        ])
        let withDefault = try ConfigFixture(config: minimalConfig, routes: nil)
        #expect(withDefault.diagnostics().map(\.description) == [
            "\(withDefault.configPath): error: cannot read routes file '\(withDefault.directory)/routes': no such file"
        ])
    }

    @Test("errors of the config file and the routes file are reported together")
    func bothFiles() throws {
        let fixture = try ConfigFixture(config: minimalConfig + "[log]\nlevel = 3\n", routes: "* / proxy nowhere\n")
        #expect(fixture.diagnostics().map { "\($0.file == fixture.configPath ? "config" : "routes"):\($0.line)" } == ["config:4", "routes:1"])
    }

    @Test("a diagnostic prints as file:line: severity: message")
    func diagnosticDescription() {
        #expect(ConfigDiagnostic(file: "conf/routes", line: 3, message: "unknown action 'x'").description == "conf/routes:3: error: unknown action 'x'")
        #expect(ConfigDiagnostic(file: "a.toml", line: 0, message: "m", severity: .warning).description == "a.toml: warning: m")
    }
}
