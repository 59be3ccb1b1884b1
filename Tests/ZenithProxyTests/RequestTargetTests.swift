import Testing

@testable import ZenithProxy

@Suite("request targets: the normalised path routes are matched on")
struct RequestTargetTests {
    private func routingPath(_ uri: String, host: String? = "dash") throws -> String {
        String(try RequestTarget(uri, host: host).routingPath)
    }

    @Test("every spelling of a path routes as that path", arguments: [
        ("/%6eothere/x", "/nothere/x"), ("//nothere/x", "/nothere/x"), ("/./nothere/x", "/nothere/x"),
        ("/a/../nothere/x", "/nothere/x"), ("/nothere%2Fx", "/nothere/x"), ("/%2E%2E/x", "/x"),
        ("/nothere/.", "/nothere/"), ("/nothere/..", "/"), ("/a//b///c/", "/a/b/c/"), ("/%7Euser", "/~user"),
        ("/dashboard/?next=/../x", "/dashboard/"),
    ])
    func normalised(uri: String, path: String) throws {
        if uri.hasPrefix("/%2E%2E") {
            #expect(throws: RequestTarget.Problem.aboveRoot) { try routingPath(uri) }
        } else {
            #expect(try routingPath(uri) == path, "\(uri)")
        }
    }

    @Test("reserved characters stay encoded, so nothing can be decoded twice")
    func reservedStayEncoded() throws {
        #expect(try routingPath("/static/a%25b%3Fc") == "/static/a%25b%3Fc")
    }

    @Test("a usual path is used as it is")
    func usualPath() throws {
        let target = try RequestTarget("/dashboard/project/instances/?page=2", host: "dash")
        #expect(target.routingPath == "/dashboard/project/instances/")
        #expect(target.originForm == "/dashboard/project/instances/?page=2")
    }

    @Test("malformed targets are refused", arguments: [
        ("/a%zz", RequestTarget.Problem.badPercentEncoding), ("/a%2", .badPercentEncoding), ("/a%00b", .encodedNUL),
        ("/..", .aboveRoot), ("/a/../../b", .aboveRoot),
    ])
    func refused(uri: String, problem: RequestTarget.Problem) {
        #expect(throws: problem) { try RequestTarget(uri, host: "dash") }
    }

    @Test("an absolute-form target must name the Host's authority, and goes on in origin form")
    func absoluteForm() throws {
        let target = try RequestTarget("http://DASH:8080/%6eothere/x?y=1", host: "dash:8080")
        #expect(target.routingPath == "/nothere/x")
        #expect(target.originForm == "/%6eothere/x?y=1")
        #expect(try RequestTarget("https://dash", host: "dash").originForm == "/")
        #expect(try RequestTarget("https://dash?x=1", host: "dash").originForm == "/?x=1")
        #expect(throws: RequestTarget.Problem.authorityMismatch) { try RequestTarget("http://internal/x", host: "dash") }
        #expect(throws: RequestTarget.Problem.authorityMismatch) { try RequestTarget("http://dash/x", host: nil) }
    }
}
