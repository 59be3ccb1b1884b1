import NIOHTTP1
import Testing
import ZenithConfig

@testable import ZenithProxy

@Suite("request admission: refused, answered by Zenith, or routed")
struct RequestAdmissionTests {
    static var routes: ActiveRoutes {
        ActiveRoutes(table: RouteTable(routes: [
            route("/", line: 1),
            route("/upload/", options: RouteOptions(bodyBytes: 10), line: 2),
            route("/only/", host: "only.example", line: 3),
        ]), pools: [:])
    }

    static func route(_ prefix: String, host: String? = nil, options: RouteOptions = RouteOptions(), line: Int) -> Route {
        Route(host: host, pathPrefix: prefix, action: .respond(status: 200, body: "ok"), options: options, file: "routes", line: line)
    }

    static func decide(
        _ uri: String, method: HTTPMethod = .GET, headers: [(String, String)] = [("Host", "dash")]
    ) -> RequestAdmission.Decision {
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
        return RequestAdmission(head: head, fields: RequestHeadFields.read(head))
            .decide(routes: Self.routes, globalBodyLimit: 1000)
    }

    @Test("a routed request carries its route's body limit, or the global one")
    func routed() {
        guard case .route(let request) = Self.decide("/upload/a") else { Issue.record("not routed"); return }
        #expect(request.bodyLimit == 10)
        guard case .route(let other) = Self.decide("/page") else { Issue.record("not routed"); return }
        #expect(other.bodyLimit == 1000)
        #expect(other.route.rule.line == 1)
    }

    @Test("a path is matched normalised, and an absolute-form target goes on in origin form")
    func normalisedAndOriginForm() {
        guard case .route(let request) = Self.decide("http://dash//upload/%61?x=1") else {
            Issue.record("not routed")
            return
        }
        #expect(request.path == "/upload/a")
        #expect(request.head.uri == "//upload/%61?x=1")
        #expect(request.route.rule.line == 2)
    }

    @Test("conflicting framing is refused before any route is looked at")
    func framingRefused() {
        guard case .refuse(let status, let log, _) = Self.decide("/", method: .POST, headers: [("Host", "dash"), ("Content-Length", "3"), ("Transfer-Encoding", "chunked")]
        ) else { Issue.record("not refused"); return }
        #expect(status == .badRequest)
        #expect(log == "rejected request framing")
    }

    @Test("TRACE with a body is refused")
    func traceWithBody() {
        guard case .refuse(.badRequest, _, let reason) = Self.decide("/", method: .TRACE, headers: [("Host", "dash"), ("Content-Length", "1")])
        else { Issue.record("not refused"); return }
        #expect(reason == "TRACE with a body")
    }

    @Test("a target above the root or naming another host is refused")
    func targetRefused() {
        guard case .refuse(.badRequest, "rejected request target", _) = Self.decide("/a/../../etc") else {
            Issue.record("not refused")
            return
        }
        guard case .refuse(.badRequest, "rejected request target", _) = Self.decide("http://evil/") else {
            Issue.record("not refused")
            return
        }
    }

    @Test("CONNECT is answered 405 at once, and ends the connection")
    func connect() {
        let head = HTTPRequestHead(version: .http1_1, method: .CONNECT, uri: "dash:443", headers: ["Host": "dash:443"])
        let admission = RequestAdmission(head: head, fields: RequestHeadFields.read(head))
        #expect(admission.endsConnection)
        guard case .errorPage(.methodNotAllowed, answerBeforeBody: true, route: nil) =
            admission.decide(routes: Self.routes, globalBodyLimit: 1000)
        else { Issue.record("not 405"); return }
    }

    @Test("no route for the host and path is a 404 after the body")
    func notFound() {
        let routes = ActiveRoutes(table: RouteTable(routes: [Self.route("/", host: "only.example", line: 1)]), pools: [:])
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "other.example"])
        guard case .errorPage(.notFound, answerBeforeBody: false, route: nil) =
            RequestAdmission(head: head, fields: RequestHeadFields.read(head)).decide(routes: routes, globalBodyLimit: 1)
        else { Issue.record("not 404"); return }
    }

    @Test("a Content-Length above the route's limit is a 413 before the body, counted for the route")
    func declaredBodyTooLarge() {
        guard case .errorPage(.payloadTooLarge, answerBeforeBody: true, let route?) =
            Self.decide("/upload/", method: .POST, headers: [("Host", "dash"), ("Content-Length", "11")])
        else { Issue.record("not 413"); return }
        #expect(route.rule.line == 2)
    }

    @Test("only a WebSocket upgrade is an upgrade; any Upgrade that Connection names ends the connection")
    func upgrades() {
        let headers = [("Host", "dash"), ("Connection", "Upgrade"), ("Upgrade", "websocket")]
        guard case .route(let request) = Self.decide("/", headers: headers) else { Issue.record("not routed"); return }
        #expect(request.isUpgrade)
        let h2c = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/",
                                  headers: HTTPHeaders([("Host", "dash"), ("Connection", "Upgrade"), ("Upgrade", "h2c")]))
        let admission = RequestAdmission(head: h2c, fields: RequestHeadFields.read(h2c))
        #expect(admission.endsConnection)
        guard case .route(let refused) = admission.decide(routes: Self.routes, globalBodyLimit: 1000) else {
            Issue.record("not routed")
            return
        }
        #expect(!refused.isUpgrade)
    }
}
