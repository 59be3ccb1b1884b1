import Testing
import ZenithConfig

@testable import ZenithProxy

@Suite("Route matching")
struct RouteMatcherTests {
    static func route(_ host: String?, _ prefix: String, _ upstream: String, line: Int) -> Route {
        Route(host: host, pathPrefix: prefix, action: .proxy(upstream: upstream), options: RouteOptions(), file: "/etc/zenith/routes", line: line)
    }

    /// The rule of `table` that takes a request, as the proxy finds it.
    static func match(_ table: RouteTable, host: String?, path: Substring) -> Route? {
        RouteMatcher(table).matchIndex(host: host, path: path).map { table.routes[$0] }
    }

    let table = RouteTable(routes: [
        route(nil, "/", "catch-all", line: 1),
        route(nil, "/static/", "static", line: 2),
        route(nil, "/static/admin/", "admin-static", line: 3),
        route("dashboard.example.org", "/api/", "dashboard-api", line: 4),
        route("::1", "/", "loopback", line: 5),
    ])

    func upstream(host: String?, path: String) -> String? {
        guard case .proxy(let upstream) = Self.match(table, host: host, path: path[...])?.action else { return nil }
        return upstream
    }

    @Test("the longest matching prefix wins")
    func longestPrefix() {
        #expect(upstream(host: nil, path: "/static/admin/css/base.css") == "admin-static")
        #expect(upstream(host: nil, path: "/static/app.js") == "static")
        #expect(upstream(host: nil, path: "/static") == "catch-all")
    }

    @Test("a rule for the exact host wins over a longer * rule")
    func exactHostFirst() {
        #expect(upstream(host: "dashboard.example.org", path: "/api/nova/") == "dashboard-api")
    }

    @Test("a request on a host whose rules do not match falls back to * rules")
    func fallBackToWildcard() {
        #expect(upstream(host: "dashboard.example.org", path: "/static/x") == "static")
        #expect(upstream(host: "other.example.org", path: "/api/nova/") == "catch-all")
    }

    @Test("the Host header is matched without port, case or trailing dot", arguments: ["Dashboard.Example.ORG", "dashboard.example.org:8443", "DASHBOARD.example.org.:80", "dashboard.example.org."])
    func hostNormalisation(host: String) {
        #expect(upstream(host: host, path: "/api/") == "dashboard-api")
    }

    @Test("an IPv6 Host header in brackets matches its address rule")
    func ipv6Host() {
        #expect(upstream(host: "[::1]:8080", path: "/x") == "loopback")
        #expect(upstream(host: "[::1]", path: "/x") == "loopback")
    }

    @Test("each of many hosts finds its own rules and no other's")
    func manyHosts() {
        let names = (0..<200).map { "host\($0).example.org" }
        let table = RouteTable(routes: names.enumerated().map { Self.route($1, "/", $1, line: $0 + 1) })
        for name in names {
            guard case .proxy(let upstream) = Self.match(table, host: name.uppercased() + ":443", path: "/x")?.action else {
                Issue.record("no rule for \(name)")
                continue
            }
            #expect(upstream == name)
        }
        #expect(Self.match(table, host: "host200.example.org", path: "/x") == nil)
        #expect(Self.match(table, host: "host1.example.or", path: "/x") == nil)
    }

    @Test("a request without Host is matched by * rules only")
    func noHost() {
        #expect(upstream(host: nil, path: "/api/") == "catch-all")
    }

    @Test("no rule matches a path outside every prefix")
    func noMatch() {
        let table = RouteTable(routes: [Self.route(nil, "/dashboard/", "horizon", line: 1)])
        #expect(Self.match(table, host: "example.org", path: "/favicon.ico") == nil)
        #expect(Self.match(table, host: nil, path: "") == nil)
    }

    @Test("prefixes are compared as bytes, so non-ASCII paths match exactly")
    func bytePrefix() {
        let table = RouteTable(routes: [Self.route(nil, "/café/", "cafe", line: 1)])
        #expect(Self.match(table, host: nil, path: "/café/menu") != nil)
        #expect(Self.match(table, host: nil, path: "/cafe/menu") == nil)
    }

    @Test("the example routes in conf/ send Socket.IO to the engine and the dashboard to Horizon")
    func exampleRoutes() throws {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // Tests/ZenithProxyTests/RouteMatcherTests.swift
        let examplePath = (components + ["conf", "zenith.toml"]).joined(separator: "/")
        let routes = try ConfigurationLoader.load(configPath: examplePath).configuration.routes
        #expect(Self.match(routes, host: "dashboard.example.org", path: "/socket.io/?EIO=4&transport=polling")?.action == .realtime)
        #expect(Self.match(routes, host: nil, path: "/dashboard/project/instances/")?.options.timeout == .seconds(120))
        #expect(Self.match(routes, host: nil, path: "/dashboard/static/dashboard/js/app.js")?.action == .proxy(upstream: "horizon"))
        #expect(Self.match(routes, host: nil, path: "/")?.action == .proxy(upstream: "horizon"))
    }
}
