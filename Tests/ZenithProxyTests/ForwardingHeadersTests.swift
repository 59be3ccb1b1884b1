import NIOCore
import NIOHTTP1
import Testing
import ZenithConfig

@testable import ZenithProxy

@Suite("headers forwarded to the backend and back")
struct ForwardingHeadersTests {
    private let client = try! SocketAddress(ipAddress: "192.0.2.7", port: 5555)

    private func forward(
        _ headers: [(String, String)], trusted: Bool = false, preserveHost: Bool = true,
        framing: RequestFraming = .init(contentLength: nil, chunked: false), upgrade: Bool = false,
        identityEncoding: Bool = false, client: DownstreamPeer? = nil, method: HTTPMethod = .GET
    ) -> HTTPHeaders {
        let maker = ForwardedRequestHead(
            client: client ?? .init(address: self.client, scheme: "http"), clientIsTrusted: trusted,
            preserveHost: preserveHost,
            server: HostAndPort(host: "127.0.0.1", port: 8080), identityEncoding: identityEncoding
        )
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: "/x", headers: HTTPHeaders(headers))
        var buffer = ByteBuffer()
        maker.write(head, framing: framing, upgrade: upgrade, into: &buffer)
        return Self.fields(of: String(buffer: buffer), requestLine: "\(method.rawValue) /x HTTP/1.1")
    }

    /// The fields of a written head; checks its request line and its end on the way.
    private static func fields(of written: String, requestLine: String) -> HTTPHeaders {
        var lines = written.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.removeFirst() == requestLine)
        #expect(lines.suffix(2) == ["", ""], "the head ends with an empty line")
        return HTTPHeaders(lines.dropLast(2).map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...]))
        })
    }

    @Test("hop-by-hop headers and the ones Connection names are removed")
    func hopByHop() {
        let sent = forward([
            ("Host", "dash"), ("Connection", "keep-alive, X-Foo"), ("X-Foo", "1"), ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"), ("Trailer", "x"), ("Upgrade", "h2c"), ("Proxy-Connection", "keep-alive"),
            ("Proxy-Authorization", "Basic abc"), ("Expect", "100-continue"), ("Cookie", "sessionid=1"),
        ])
        for name in ["connection", "x-foo", "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "proxy-authorization", "expect"] {
            #expect(!sent.contains(name: name), "\(name) was forwarded")
        }
        #expect(sent["cookie"] == ["sessionid=1"])
    }

    @Test("an untrusted client's forwarding headers are replaced")
    func untrustedForwarding() {
        let sent = forward([("Host", "dash:8000"), ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"), ("Forwarded", "for=6.6.6.6")])
        #expect(sent["x-forwarded-for"] == ["192.0.2.7"])
        #expect(sent["x-forwarded-proto"] == ["http"])
        #expect(sent["x-forwarded-host"] == ["dash:8000"])
        #expect(sent["forwarded"] == ["for=192.0.2.7;proto=http;host=\"dash:8000\""])
        #expect(sent["host"] == ["dash:8000"])
    }

    @Test("an IPv6 client is bracketed and quoted in Forwarded, bare in X-Forwarded-For")
    func ipv6Client() {
        let sent = forward([("Host", "dash")], client: .init(address: try! SocketAddress(ipAddress: "2001:db8::7", port: 50000), scheme: "https"))
        #expect(sent["forwarded"] == ["for=\"[2001:db8::7]\";proto=https;host=\"dash\""])
        #expect(sent["x-forwarded-for"] == ["2001:db8::7"])
        #expect(sent["x-forwarded-proto"] == ["https"])
    }

    @Test("a quote or backslash in Host is escaped in Forwarded, so it cannot end the quoted string")
    func hostQuotedInForwarded() {
        let sent = forward([("Host", #"dash";for=6.6.6.6;x="\"#)])
        #expect(sent["forwarded"] == [#"for=192.0.2.7;proto=http;host="dash\";for=6.6.6.6;x=\"\\""#])
    }

    @Test("a trusted proxy's forwarding headers are extended")
    func trustedForwarding() {
        let sent = forward([("Host", "dash"), ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "public.example"), ("Forwarded", "for=203.0.113.9")], trusted: true)
        #expect(sent["x-forwarded-for"] == ["203.0.113.9, 192.0.2.7"])
        #expect(sent["x-forwarded-proto"] == ["https"])
        #expect(sent["x-forwarded-host"] == ["public.example"])
        #expect(sent["forwarded"] == ["for=203.0.113.9, for=192.0.2.7;proto=http;host=\"dash\""])
    }

    @Test("Host is replaced by the server's when preserve_host is off")
    func hostRewrite() {
        #expect(forward([("Host", "dash")], preserveHost: false)["host"] == ["127.0.0.1:8080"])
    }

    @Test("a request without Host (HTTP/1.0) goes upstream with the server's, as HTTP/1.1 requires")
    func hostlessRequest() {
        #expect(forward([("Accept", "*/*")])["host"] == ["127.0.0.1:8080"])
    }

    @Test("a chunked request body is restated as chunked")
    func chunkedRestated() {
        let sent = forward([("Host", "dash"), ("Transfer-Encoding", "chunked")], framing: .init(contentLength: nil, chunked: true))
        #expect(sent["transfer-encoding"] == ["chunked"])
    }

    @Test("a POST, PUT or PATCH without framing is sent with Content-Length: 0; a GET without")
    func unframedBody() {
        for method in [HTTPMethod.POST, .PUT, .PATCH] {
            #expect(forward([("Host", "dash")], method: method)["content-length"] == ["0"], "\(method)")
        }
        #expect(!forward([("Host", "dash")]).contains(name: "content-length"))
        #expect(forward([("Host", "dash"), ("Content-Length", "5")], framing: .init(contentLength: 5, chunked: false), method: .POST)["content-length"] == ["5"])
    }

    @Test("the framing sent is the one Zenith decided on, whatever the client's fields say")
    func framingIsZenithsOwn() {
        let named = forward(
            [("Host", "dash"), ("Connection", "keep-alive, Content-Length"), ("Content-Length", "73")],
            framing: .init(contentLength: 73, chunked: false), method: .POST
        )
        #expect(named["content-length"] == ["73"])
        let chunked = forward(
            [("Host", "dash"), ("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
            framing: .init(contentLength: nil, chunked: true), method: .POST
        )
        #expect(chunked["transfer-encoding"] == ["chunked"])
        #expect(!chunked.contains(name: "content-length"))
    }

    @Test("fields naming the client's address or the original request are a trusted proxy's to send")
    func clientAddressFields() {
        let claimed = [
            ("Host", "dash"), ("X-Real-IP", "6.6.6.6"), ("True-Client-IP", "6.6.6.6"), ("X-Client-IP", "6.6.6.6"),
            ("CF-Connecting-IP", "6.6.6.6"), ("X-Forwarded-Port", "443"), ("X-Original-URL", "/admin"),
            ("X-Forwarded-Prefix", "/x"), ("X-Cluster-Client-IP", "6.6.6.6"),
        ]
        let untrusted = forward(claimed)
        #expect(untrusted["x-real-ip"] == [self.client.ipAddress!])
        for (name, _) in claimed.dropFirst(2) {
            #expect(!untrusted.contains(name: name), "\(name)")
        }
        let trusted = forward(claimed, trusted: true)
        #expect(trusted["x-real-ip"] == ["6.6.6.6"])
        #expect(trusted["x-original-url"] == ["/admin"])
    }

    @Test("an upgrade request keeps Upgrade and Connection: upgrade")
    func upgradeKept() {
        let sent = forward([("Host", "dash"), ("Connection", "Upgrade"), ("Upgrade", "websocket")], upgrade: true)
        #expect(sent["upgrade"] == ["websocket"])
        #expect(sent["connection"] == ["upgrade"])
    }

    @Test("a page for an inject route is asked for without compression")
    func identityEncoding() {
        let headers = [("Host", "dash"), ("Accept", "text/html"), ("Accept-Encoding", "gzip, br"), ("accept-encoding", "zstd")]
        #expect(forward(headers, identityEncoding: true)["accept-encoding"] == ["identity"])
        #expect(forward([("Host", "dash")], identityEncoding: true)["accept-encoding"] == ["identity"])
        #expect(forward(headers)["accept-encoding"] == ["gzip, br", "zstd"])
    }

    @Test("trusted proxies match single addresses and CIDR blocks of both families")
    func trustedProxies() throws {
        let trusted = TrustedProxies(["127.0.0.2", "10.0.0.0/8", "fd00::/8"])
        #expect(trusted.contains(try SocketAddress(ipAddress: "127.0.0.2", port: 1)))
        #expect(!trusted.contains(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(trusted.contains(try SocketAddress(ipAddress: "10.200.3.4", port: 1)))
        #expect(!trusted.contains(try SocketAddress(ipAddress: "11.0.0.1", port: 1)))
        #expect(trusted.contains(try SocketAddress(ipAddress: "fd12::1", port: 1)))
        #expect(!trusted.contains(try SocketAddress(ipAddress: "fe80::1", port: 1)))
    }
}
