import Testing
@testable import ZenithConfig

@Suite("The routes file")
struct RoutesFileTests {
    let config = minimalConfig + """
        [upstream.horizon]
        servers = ["127.0.0.1:8080"]
        """

    /// The messages reported for the routes file, as `line: message`.
    func errors(_ routes: String) throws -> [String] {
        let fixture = try ConfigFixture(config: config, routes: routes)
        return fixture.diagnostics().map {
            #expect($0.file == fixture.routesPath)
            return "\($0.line): \($0.message)"
        }
    }

    @Test("every action with its targets and options is read")
    func allActions() throws {
        let fixture = try ConfigFixture(config: config, routes: "")
        let staticDirectory = try fixture.makeDirectory("static")
        try fixture.write("routes", """
            # host  prefix  action
            *  /socket.io/  realtime
            *  /static/  static  \(staticDirectory)  max_age=1d  body_bytes=1MiB   # trailing comment
            Dashboard.Example.org  /  proxy  horizon  timeout=30s preserve_host=false
            *  /old/  redirect  301  https://example.org/new/?a=b#top
            *  /gone/  respond  410  This page   is gone.
            *  /empty/  respond  204
            """)
        let routes = try fixture.routes()
        #expect(routes.map(\.line) == [2, 3, 4, 5, 6, 7])
        #expect(routes[0].action == .realtime)
        #expect(routes[1].action == .staticFiles(directory: staticDirectory))
        #expect(routes[1].options == RouteOptions(bodyBytes: 1 << 20, maxAge: .seconds(86400)))
        #expect(routes[2].host == "dashboard.example.org")
        #expect(routes[2].action == .proxy(upstream: "horizon"))
        #expect(routes[2].options == RouteOptions(timeout: .seconds(30), preserveHost: false))
        #expect(routes[3].action == .redirect(status: 301, location: "https://example.org/new/?a=b#top"))
        #expect(routes[4].action == .respond(status: 410, body: "This page is gone."))
        #expect(routes[5].action == .respond(status: 204, body: ""))
        #expect(routes.allSatisfy { $0.file == fixture.routesPath })
    }

    @Test("proxy to host:port creates an upstream of that name with default settings")
    func implicitUpstream() throws {
        let fixture = try ConfigFixture(config: config, routes: "* /api/ proxy 10.0.0.5:9000\n* / proxy horizon\n")
        let configuration = try fixture.load().configuration
        #expect(configuration.routes.routes[0].action == .proxy(upstream: "10.0.0.5:9000"))
        let implicit = try #require(configuration.upstreams["10.0.0.5:9000"])
        #expect(implicit == .withDefaults(name: "10.0.0.5:9000", servers: [HostAndPort(host: "10.0.0.5", port: 9000)]))
        #expect(implicit.maxConnections == 64 && implicit.responseTimeout == .seconds(120))
        #expect(configuration.upstreams["horizon"] != nil)
    }

    @Test("an unknown action is an error on its line")
    func unknownAction() throws {
        #expect(try errors("* / proxy horizon\n\n* /x/ forward horizon\n") == [
            "3: unknown action 'forward' (expected one of proxy, realtime, static, redirect, respond)"
        ])
    }

    @Test("a missing target is an error on its line", arguments: [
        ("* / proxy", "missing target: proxy needs an upstream name or host:port"),
        ("* / proxy timeout=3s", "missing target: proxy needs an upstream name or host:port"),
        ("* / static", "missing target: static needs an absolute directory"),
        ("* / redirect 302", "missing target: redirect needs a status code (301, 302, 303, 307 or 308) and a URL"),
        ("* / respond", "missing target: respond needs a status code from 100 to 599 and an optional text"),
    ])
    func missingTarget(line: String, message: String) throws {
        #expect(try errors("# first\n" + line) == ["2: \(message)"])
    }

    @Test("an option the action does not take is an error on its line")
    func unknownOption() throws {
        #expect(try errors("* /a/ proxy horizon max_age=1d\n* /b/ realtime timeout=1s\n") == [
            "1: unknown option 'max_age' for proxy (accepted: timeout, body_bytes, preserve_host, inject)",
            "2: unknown option 'timeout': realtime takes no options",
        ])
    }

    @Test("a bad option value is an error on its line")
    func badOptionValue() throws {
        #expect(try errors("* /a/ proxy horizon timeout=soon\n* /b/ proxy horizon preserve_host=yes body_bytes=lots\n") == [
            "1: bad value 'soon' for timeout: expected a duration greater than zero, such as 30s",
            "2: bad value 'yes' for preserve_host: expected true or false",
            "2: bad value 'lots' for body_bytes: expected a size such as 10MiB",
        ])
    }

    @Test("inject on a proxy route names the script to insert into its pages")
    func injectOption() throws {
        let fixture = try ConfigFixture(config: config, routes: """
            *  /dashboard/  proxy  horizon  inject=/socket.io/zenith-horizon.js
            *  /cdn/  proxy  horizon  inject=https://cdn.example.org/a.js?v=2&x=1
            *  /  proxy  horizon
            """)
        let routes = try fixture.routes()
        #expect(routes[0].options == RouteOptions(inject: "/socket.io/zenith-horizon.js"))
        #expect(routes[1].options.inject == "https://cdn.example.org/a.js?v=2&x=1")
        #expect(routes[2].options.inject == nil)
    }

    @Test("inject is refused on actions other than proxy")
    func injectOnlyOnProxy() throws {
        let fixture = try ConfigFixture(config: config, routes: "")
        let staticDirectory = try fixture.makeDirectory("static")
        try fixture.write("routes", """
            *  /socket.io/  realtime  inject=/x.js
            *  /static/  static  \(staticDirectory)  inject=/x.js
            *  /old/  redirect  301  /new/  inject=/x.js
            """)
        #expect(fixture.diagnostics().map { "\($0.line): \($0.message)" } == [
            "1: unknown option 'inject': realtime takes no options",
            "2: unknown option 'inject' for static (accepted: max_age, body_bytes)",
            "3: unknown option 'inject': redirect takes no options",
        ])
    }

    @Test("an inject value that is not a path or an http(s) URL, or could break out of the tag, is an error", arguments: [
        "socket.io/zenith.js", "//cdn.example.org/a.js", "ftp://example.org/a.js", "https://", "https:///a.js",
        "javascript:alert(1)", "/a.js\"onload=\"x", "/a.js><script>", "/a<b.js", "/\u{e9}.js", "",
    ])
    func badInjectValue(value: String) throws {
        #expect(try errors("* / proxy horizon inject=\(value)") == [
            "1: bad value '\(value)' for inject: expected a path such as /zenith.js or an http(s) URL, without spaces, \", < or >"
        ])
    }

    @Test("an option given twice is an error")
    func repeatedOption() throws {
        #expect(try errors("* / proxy horizon timeout=1s timeout=2s") == ["1: option 'timeout' is given twice"])
    }

    @Test("words after the targets that are not options are errors")
    func strayWords() throws {
        #expect(try errors("* /a/ proxy horizon backup\n* /b/ realtime now\n") == [
            "1: unexpected 'backup' after the target of proxy",
            "2: realtime takes no target, found 'now'",
        ])
    }

    @Test("a bad host is an error on its line", arguments: ["example.org:8080", "*.example.org", "bad!host", "-bad.example", "10.0.0.256"])
    func badHost(host: String) throws {
        #expect(try errors("\(host) / proxy horizon") == [
            "1: bad host '\(host)': expected * or a host name or IP address, without port"
        ])
    }

    @Test("IP hosts are accepted, IPv6 with or without brackets")
    func ipHosts() throws {
        let fixture = try ConfigFixture(config: config, routes: "10.1.2.3 / proxy horizon\n[::1] / proxy horizon\n")
        #expect(try fixture.routes().map(\.host) == ["10.1.2.3", "::1"])
    }

    @Test("a prefix not starting with / is an error on its line")
    func relativePrefix() throws {
        #expect(try errors("* static/ proxy horizon") == ["1: path prefix 'static/' must start with /"])
    }

    @Test("a second rule for the same host and prefix is reported as never used")
    func duplicate() throws {
        #expect(try errors("* / proxy horizon\nEXAMPLE.org /a/ realtime\n# note\n*  /  respond 404\nexample.org /a/ realtime\n") == [
            "4: duplicate of line 1; this rule is never used",
            "5: duplicate of line 2; this rule is never used",
        ])
    }

    @Test("proxy to a name that is neither an upstream nor host:port is an error")
    func unknownUpstream() throws {
        #expect(try errors("* / proxy keystone") == [
            "1: unknown upstream 'keystone': no [upstream.keystone] in the config file, and not a host:port address"
        ])
    }

    @Test("a static directory must be absolute, exist, and be a directory")
    func staticDirectory() throws {
        let fixture = try ConfigFixture(config: config, routes: "")
        try fixture.write("file.txt", "x")
        try fixture.write("routes", """
            * /a/ static static
            * /b/ static \(fixture.directory)/nothing-here
            * /c/ static \(fixture.directory)/file.txt
            """)
        #expect(fixture.diagnostics().map { "\($0.line): \($0.message)" } == [
            "1: static directory 'static' must be an absolute path",
            "2: static directory '\(fixture.directory)/nothing-here' does not exist",
            "3: static directory '\(fixture.directory)/file.txt' is not a directory",
        ])
    }

    @Test("redirect and respond status codes are checked")
    func statusCodes() throws {
        #expect(try errors("* /a/ redirect 200 /b/\n* /b/ respond 600 no\n* /c/ respond OK\n") == [
            "1: redirect status must be 301, 302, 303, 307 or 308, not '200'",
            "2: respond status must be a number from 100 to 599, not '600'",
            "3: respond status must be a number from 100 to 599, not 'OK'",
        ])
    }

    @Test("a line with fewer than three words is an error")
    func shortLine() throws {
        #expect(try errors("* /") == ["1: expected 'host path-prefix action [target] [key=value...]', found '* /'"])
    }

    @Test("every error of the file is reported, not only the first")
    func allErrors() throws {
        #expect(try errors("* / frobnicate\n* /ok/ proxy horizon\nbad_host! x proxy horizon\n").map { $0.prefix(2) } == ["1:", "3:", "3:"])
    }
}
