import Testing
@testable import ZenithConfig

@Suite("Route matching")
struct RouteTableTests {
    static func route(_ host: String?, _ prefix: String, _ upstream: String, line: Int) -> Route {
        Route(host: host, pathPrefix: prefix, action: .proxy(upstream: upstream), options: RouteOptions(), file: "/etc/zenith/routes", line: line)
    }

    let table = RouteTable(routes: [
        route(nil, "/", "catch-all", line: 1),
        route(nil, "/static/", "static", line: 2),
        route(nil, "/static/admin/", "admin-static", line: 3),
        route("dashboard.example.org", "/api/", "dashboard-api", line: 4),
        route("::1", "/", "loopback", line: 5),
    ])

    func upstream(host: String?, path: String) -> String? {
        guard case .proxy(let upstream) = table.match(host: host, path: path[...])?.action else { return nil }
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
            guard case .proxy(let upstream) = table.match(host: name.uppercased() + ":443", path: "/x")?.action else {
                Issue.record("no rule for \(name)")
                continue
            }
            #expect(upstream == name)
        }
        #expect(table.match(host: "host200.example.org", path: "/x") == nil)
        #expect(table.match(host: "host1.example.or", path: "/x") == nil)
    }

    @Test("a request without Host is matched by * rules only")
    func noHost() {
        #expect(upstream(host: nil, path: "/api/") == "catch-all")
    }

    @Test("no rule matches a path outside every prefix")
    func noMatch() {
        let table = RouteTable(routes: [Self.route(nil, "/dashboard/", "horizon", line: 1)])
        #expect(table.match(host: "example.org", path: "/favicon.ico") == nil)
        #expect(table.match(host: nil, path: "") == nil)
    }

    @Test("prefixes are compared as bytes, so non-ASCII paths match exactly")
    func bytePrefix() {
        let table = RouteTable(routes: [Self.route(nil, "/café/", "cafe", line: 1)])
        #expect(table.match(host: nil, path: "/café/menu") != nil)
        #expect(table.match(host: nil, path: "/cafe/menu") == nil)
    }

    @Test("check prints the rules in match order with aligned columns")
    func rendering() {
        var withOptions = Self.route(nil, "/static/", "static", line: 2)
        withOptions.action = .staticFiles(directory: "/srv/static")
        withOptions.options = RouteOptions(bodyBytes: 1 << 20, maxAge: .seconds(86400))
        var injecting = Self.route(nil, "/", "horizon", line: 1)
        injecting.options = RouteOptions(inject: "/socket.io/zenith-horizon.js")
        let table = RouteTable(routes: [
            injecting,
            withOptions,
            Route(host: "a.example", pathPrefix: "/old/", action: .redirect(status: 301, location: "/new/"), options: RouteOptions(), file: "routes", line: 3),
            Route(host: nil, pathPrefix: "/socket.io/", action: .realtime, options: RouteOptions(), file: "routes", line: 4),
        ])
        let expected = """
            routes:3  a.example  /old/        redirect 301 /new/
            routes:4  *          /socket.io/  realtime
            routes:2  *          /static/     static /srv/static  body_bytes=1MiB max_age=1d
            routes:1  *          /            proxy horizon       inject=/socket.io/zenith-horizon.js
            """
        #expect(table.render() == expected)
    }
}
