import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("which responses of an inject route get the script tag")
struct ScriptInjectionDecisionTests {
    private static let tagLength = 52

    private func decide(
        _ headers: [(String, String)], status: HTTPResponseStatus = .ok, method: HTTPMethod = .GET
    ) -> ScriptInjectionDecision {
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))
        return ScriptInjectionDecision(method: method, response: head, tagLength: Self.tagLength)
    }

    private func asksForPage(_ headers: [(String, String)], method: HTTPMethod = .GET) -> Bool {
        ScriptInjectionDecision.asksForPage(HTTPRequestHead(version: .http1_1, method: method, uri: "/", headers: HTTPHeaders(headers)))
    }

    @Test("an HTML page's Content-Length grows by the tag's length, other headers stay")
    func contentLengthFixUp() {
        let decision = decide([("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "1000"), ("ETag", "\"v1\"")])
        let expected = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders([
            ("Content-Type", "text/html; charset=utf-8"), ("content-length", "1052"), ("ETag", "\"v1\""),
        ]))
        #expect(decision == .inject(expected))
    }

    @Test("a page without Content-Length is injected with its head unchanged")
    func unsizedPage() {
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders([("content-type", "TEXT/HTML")]))
        #expect(ScriptInjectionDecision(method: .GET, response: head, tagLength: Self.tagLength) == .inject(head))
    }

    @Test("a page fetched by a script (X-Requested-With: XMLHttpRequest) is a fragment: left as it is")
    func fragmentsFetchedByScripts() {
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders([("content-type", "text/html")]))
        #expect(ScriptInjectionDecision(method: .GET, fetchedByScript: true, response: head, tagLength: Self.tagLength) == .leave)
        func request(_ value: String?) -> HTTPRequestHead {
            HTTPRequestHead(
                version: .http1_1, method: .GET, uri: "/dashboard/header/",
                headers: HTTPHeaders(value.map { [("X-Requested-With", $0)] } ?? [])
            )
        }
        #expect(ScriptInjectionDecision.isFetchedByScript(request("XMLHttpRequest")))
        #expect(ScriptInjectionDecision.isFetchedByScript(request(" xmlhttprequest ")))
        #expect(!ScriptInjectionDecision.isFetchedByScript(request(nil)))
        #expect(!ScriptInjectionDecision.isFetchedByScript(request("com.example.app")))
    }

    @Test("identity is no compression")
    func identityEncoding() {
        guard case .inject = decide([("Content-Type", "text/html"), ("Content-Encoding", "identity")]) else {
            Issue.record("identity-encoded page not injected")
            return
        }
    }

    @Test("a compressed page is left alone and counted as such", arguments: ["gzip", "br", "deflate", "identity, gzip", "GZIP"])
    func encoded(coding: String) {
        #expect(decide([("Content-Type", "text/html"), ("Content-Encoding", coding), ("Content-Length", "10")]) == .skipEncoded)
    }

    @Test("only a GET gets the tag", arguments: [HTTPMethod.HEAD, .POST, .PUT, .OPTIONS])
    func otherMethods(method: HTTPMethod) {
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "10")], method: method) == .leave)
    }

    @Test("only a 200 gets the tag", arguments: [HTTPResponseStatus.created, .partialContent, .notModified, .notFound, .internalServerError])
    func otherStatuses(status: HTTPResponseStatus) {
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "10")], status: status) == .leave)
    }

    @Test("only text/html gets the tag", arguments: ["application/json", "text/plain", "text/htmlx", "application/xhtml+xml", "text/html-sandboxed"])
    func otherContentTypes(type: String) {
        #expect(decide([("Content-Type", type), ("Content-Length", "10")]) == .leave)
    }

    @Test("a response without Content-Type is left alone")
    func noContentType() {
        #expect(decide([("Content-Length", "10")]) == .leave)
    }

    @Test("a part of a page (Content-Range) is left alone, compressed or not")
    func contentRange() {
        #expect(decide([("Content-Type", "text/html"), ("Content-Range", "bytes 0-9/100"), ("Content-Length", "10")]) == .leave)
        #expect(decide([("Content-Type", "text/html"), ("Content-Range", "bytes 0-9/100"), ("Content-Encoding", "gzip")]) == .leave)
    }

    @Test("an unreadable Content-Length leaves the page alone")
    func oddContentLength() {
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "ten")]) == .leave)
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "10"), ("Content-Length", "10")]) == .leave)
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "+10")]) == .leave)
    }

    @Test("a Content-Length the tag would overflow leaves the page alone instead of trapping")
    func hugeContentLength() {
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "9223372036854775807")]) == .leave)
        #expect(decide([("Content-Type", "text/html"), ("Content-Length", "99999999999999999999")]) == .leave)
    }

    @Test("a GET whose Accept names text/html asks for a page")
    func navigation() {
        #expect(asksForPage([("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]))
        #expect(asksForPage([("Accept", "application/json"), ("accept", "Text/HTML ; q=0.5")]))
        #expect(!asksForPage([("Accept", "*/*")]))
        #expect(!asksForPage([("Accept", "application/json, text/javascript")]))
        #expect(!asksForPage([]))
        #expect(!asksForPage([("Accept", "text/html")], method: .HEAD))
        #expect(!asksForPage([("Accept", "text/html")], method: .POST))
    }
}
