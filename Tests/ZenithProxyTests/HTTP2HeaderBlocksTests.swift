import NIOHPACK
import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("HTTP/2 header blocks: request heads as HTTP/1.1 would carry them, response blocks without connection fields")
struct HTTP2HeaderBlocksTests {
    static func request(_ method: String, _ fields: [(String, String)] = [], endStream: Bool = true) throws -> HTTPRequestHead {
        let block = HPACKHeaders([(":method", method), (":scheme", "https"), (":path", "/a?b=1"), (":authority", "dash:8443")] + fields)
        return try HTTPRequestHead(http2Block: block, endStream: endStream)
    }

    @Test(":authority becomes Host, pseudo-fields go, the version is 2")
    func authorityBecomesHost() throws {
        let head = try Self.request("GET", [("accept", "text/html")])
        #expect(head.method == .GET)
        #expect(head.uri == "/a?b=1")
        #expect(head.version == HTTPVersion(major: 2, minor: 0))
        #expect(head.headers.map { "\($0.name): \($0.value)" } == ["host: dash:8443", "accept: text/html"])
    }

    @Test("cookies sent as several fields become one Cookie field, joined by '; ' (RFC 9113 §8.2.3)")
    func cookiesJoined() throws {
        let head = try Self.request("GET", [("cookie", "sessionid=abc"), ("accept", "*/*"), ("cookie", "csrftoken=x")])
        #expect(head.headers[canonicalForm: "cookie"] == ["sessionid=abc; csrftoken=x"])
        #expect(head.headers["accept"] == ["*/*"])
        #expect(try Self.request("GET", [("cookie", "a=1")]).headers["cookie"] == ["a=1"])
        let crumbs = (0..<2000).map { ("cookie", "c\($0)=1") }
        let joined = try Self.request("GET", crumbs).headers[canonicalForm: "cookie"]
        #expect(joined == [(0..<2000).map { "c\($0)=1" }.joined(separator: "; ")[...]])
    }

    @Test("a Host field sent along is kept instead of :authority")
    func hostKept() throws {
        let head = try Self.request("GET", [("host", "other")])
        #expect(head.headers[canonicalForm: "host"] == ["other"])
    }

    @Test("a body of unannounced length is framed as chunked, an ended stream as empty, a sized one as sized")
    func framing() throws {
        #expect(try Self.request("POST", endStream: false).headers["transfer-encoding"] == ["chunked"])
        #expect(try Self.request("POST", endStream: true).headers["content-length"] == ["0"])
        let sized = try Self.request("PUT", [("content-length", "5")], endStream: false)
        #expect(sized.headers["content-length"] == ["5"])
        #expect(!sized.headers.contains(name: "transfer-encoding"))
        #expect(!(try Self.request("GET", endStream: false)).headers.contains(name: "transfer-encoding"))
        #expect(!(try Self.request("DELETE", endStream: true)).headers.contains(name: "content-length"))
    }

    @Test("a block without :method, :path or :authority is refused")
    func missingPseudoFields() {
        let noAuthority = HPACKHeaders([(":method", "GET"), (":scheme", "https"), (":path", "/")])
        #expect(throws: HTTP2RequestBlockError(missing: ":authority")) {
            try HTTPRequestHead(http2Block: noAuthority, endStream: true)
        }
        let connect = HPACKHeaders([(":method", "CONNECT"), (":authority", "h:443")])
        #expect(throws: HTTP2RequestBlockError(missing: ":path")) {
            try HTTPRequestHead(http2Block: connect, endStream: true)
        }
    }

    @Test("a response block starts with :status and leaves out connection-specific fields")
    func responseBlock() {
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders([
            ("Content-Type", "text/html"), ("Connection", "close, X-Hop"), ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"), ("x-hop", "1"), ("Upgrade", "h2c"), ("Proxy-Connection", "x"),
            ("Set-Cookie", "a=1"),
        ]))
        let block = HPACKHeaders(http2Response: head)
        #expect(block.map { "\($0.name): \($0.value)" } == [":status: 200", "content-type: text/html", "set-cookie: a=1"])
    }

    @Test("trailers keep their regular fields")
    func trailers() {
        let trailers = HTTPHeaders(http2Trailers: HPACKHeaders([("grpc-status", "0"), ("x-sum", "1")]))
        #expect(trailers.map { "\($0.name): \($0.value)" } == ["grpc-status: 0", "x-sum: 1"])
    }
}
