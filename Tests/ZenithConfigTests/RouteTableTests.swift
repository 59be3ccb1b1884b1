import Testing
@testable import ZenithConfig

@Suite("The order in which route rules are tried")
struct RouteTableTests {
    static func route(_ host: String?, _ prefix: String, line: Int) -> Route {
        Route(host: host, pathPrefix: prefix, action: .realtime, options: RouteOptions(), file: "/etc/zenith/routes", line: line)
    }

    @Test("each host's rules (hosts by name), then the * rules; longest prefix first, file order among equal lengths")
    func precedence() {
        let table = RouteTable(routes: [
            Self.route(nil, "/", line: 1),
            Self.route("b.example", "/", line: 2),
            Self.route(nil, "/static/", line: 3),
            Self.route("a.example", "/api/", line: 4),
            Self.route("b.example", "/api/", line: 5),
            Self.route(nil, "/statik/", line: 6),
        ])
        #expect(table.hostGroups.map(\.host) == ["a.example", "b.example"])
        #expect(table.hostGroups.map(\.routeIndices) == [[3], [4, 1]])
        #expect(table.wildcardGroup == [2, 5, 0])
    }

    @Test("check prints the rules in the order they are tried, with aligned columns")
    func rendering() {
        var withOptions = Self.route(nil, "/static/", line: 2)
        withOptions.action = .staticFiles(directory: "/srv/static")
        withOptions.options = RouteOptions(bodyBytes: 1 << 20, maxAge: .seconds(86400))
        var injecting = Self.route(nil, "/", line: 1)
        injecting.action = .proxy(upstream: "horizon")
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
