import EngineIO
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite("Origin policy")
struct OriginPolicyTests {
    private let loop = EmbeddedEventLoop()

    private func request(host: String?, origin: String? = nil, fetchSite: String? = nil, scheme: String?) -> EngineIOHTTPRequest {
        var headers = HTTPHeaders()
        if let host { headers.add(name: "host", value: host) }
        if let origin { headers.add(name: "origin", value: origin) }
        if let fetchSite { headers.add(name: "sec-fetch-site", value: fetchSite) }
        return EngineIOHTTPRequest(
            head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/socket.io/?EIO=4&transport=polling", headers: headers),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: nil,
            connectionClosed: self.loop.makeSucceededVoidFuture(), scheme: scheme
        )
    }

    private let ownOnly = OriginPolicy.list([], allowMissing: false, allowOwnOrigin: true)

    @Test("the own-origin default allows the request's scheme and Host, and nothing else")
    func ownOrigin() {
        #expect(ownOnly.allows(request(host: "dash.example.org", origin: "https://dash.example.org", scheme: "https")))
        #expect(ownOnly.allows(request(host: "Dash.Example.org:8443", origin: "https://dash.example.org:8443", scheme: "https")))
        #expect(ownOnly.allows(request(host: "dash.example.org:443", origin: "https://dash.example.org", scheme: "https")))
        #expect(ownOnly.allows(request(host: "127.0.0.1:8000", origin: "http://127.0.0.1:8000", scheme: "http")))
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "https://evil.example", scheme: "https")))
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "https://dash.example.org.evil.example", scheme: "https")))
        #expect(!ownOnly.allows(request(host: "dash.example.org:8443", origin: "https://dash.example.org", scheme: "https")))
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "null", scheme: "https")))
        #expect(!ownOnly.allows(request(host: nil, origin: "https://dash.example.org", scheme: "https")))
    }

    @Test("a request with two Origin fields is refused, whichever comes first")
    func twoOrigins() {
        for order in [["https://dash.example.org", "https://evil.example"], ["https://evil.example", "https://dash.example.org"]] {
            var twice = request(host: "dash.example.org", scheme: "https")
            for origin in order { twice.head.headers.add(name: "Origin", value: origin) }
            #expect(!ownOnly.allows(twice), "\(order)")
            #expect(!OriginPolicy.list(["*"], allowMissing: false).allows(twice), "\(order)")
        }
    }

    @Test("over TLS a plain-http page of the same host is another origin, and the reverse")
    func schemeMatters() {
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "http://dash.example.org", scheme: "https")))
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "https://dash.example.org", scheme: "http")))
        #expect(!ownOnly.allows(request(host: "dash.example.org", origin: "ws://dash.example.org", scheme: nil)))
    }

    @Test("a listed origin is allowed beside the own origin; * allows any")
    func listed() {
        let listed = OriginPolicy.list(["https://other.example", "*.corp.example"], allowMissing: false, allowOwnOrigin: true)
        #expect(listed.allows(request(host: "dash.example.org", origin: "https://other.example", scheme: "https")))
        #expect(listed.allows(request(host: "dash.example.org", origin: "https://a.corp.example", scheme: "https")))
        #expect(listed.allows(request(host: "dash.example.org", origin: "https://dash.example.org", scheme: "https")))
        #expect(!listed.allows(request(host: "dash.example.org", origin: "https://evil.example", scheme: "https")))
        let star = OriginPolicy.list(["*"], allowMissing: false, allowOwnOrigin: true)
        #expect(star.allows(request(host: "dash.example.org", origin: "https://evil.example", scheme: "https")))
        #expect(!star.allows(request(host: "dash.example.org", scheme: "https")))
    }

    @Test("without the own-origin flag a list allows only what it lists, as before")
    func listOnly() {
        let list = OriginPolicy.list(["http://dash.example"], allowMissing: false)
        #expect(!list.allows(request(host: "127.0.0.1:8000", origin: "http://127.0.0.1:8000", scheme: "http")))
        #expect(list.allows(request(host: "127.0.0.1:8000", origin: "http://dash.example", scheme: "http")))
    }

    @Test("a request without Origin passes when marked same-origin or when missing ones are allowed")
    func missing() {
        #expect(ownOnly.allows(request(host: "d", fetchSite: "same-origin", scheme: "https")))
        #expect(!ownOnly.allows(request(host: "d", fetchSite: "cross-site", scheme: "https")))
        #expect(OriginPolicy.list([], allowMissing: true, allowOwnOrigin: true).allows(request(host: "d", scheme: "https")))
        #expect(OriginPolicy.any.allows(request(host: "d", origin: "https://evil.example", scheme: "https")))
    }
}
