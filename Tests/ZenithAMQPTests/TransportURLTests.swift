import Testing
@testable import ZenithAMQP

struct TransportURLTests {
    @Test func `oslo's multi-host URL gives each host its credentials, the vhost and TLS`() throws {
        let url = try AMQPTransportURL(parsing: "rabbit://nova:s%40cret%3A1@h1:5672,zenith:pw@h2:5673/open%2Fstack?ssl=1")
        #expect(url.hosts == [
            .init(host: "h1", port: 5672, user: "nova", password: "s@cret:1"),
            .init(host: "h2", port: 5673, user: "zenith", password: "pw"),
        ])
        #expect(url.virtualHost == "open/stack")
        #expect(url.useTLS)
    }

    @Test func `defaults: port 5672, vhost slash, no TLS, a host without credentials reuses the previous ones`() throws {
        let url = try AMQPTransportURL(parsing: "rabbit://u:p@rabbit-1,rabbit-2:5671/")
        #expect(url.hosts.map(\.port) == [5672, 5671])
        #expect(url.hosts[1].user == "u" && url.hosts[1].password == "p")
        #expect(url.virtualHost == "/")
        #expect(!url.useTLS)
        #expect(try AMQPTransportURL(parsing: "rabbit://u:p@h").virtualHost == "/")
        #expect(try AMQPTransportURL(parsing: "rabbit://u:p@[::1]:5673/v?ssl=0&heartbeat=60").hosts[0].host == "::1")
    }

    @Test func `the password never shows in descriptions or errors`() throws {
        let url = try AMQPTransportURL(parsing: "rabbit://nova:hunter2@h1:5672/")
        #expect(!"\(url)".contains("hunter2"))
        #expect("\(url)" == "rabbit://nova:***@h1:5672/")
        #expect(!"\(url.hosts[0])".contains("hunter2"))
        do {
            _ = try AMQPTransportURL(parsing: "rabbit://nova:hunter2@h1:99999/")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func `bad URLs are refused with the reason`() {
        let bad = [
            "", "h1:5672", "http://u:p@h/", "rabbit://", "rabbit://h1/", "rabbit://u:p@/", "rabbit://u:p@h:0/",
            "rabbit://u:p@h:abc/", "rabbit://u:p@h:5672,/", "rabbit://:p@h/", "rabbit://u:p%zz@h/", "rabbit://u:p@h/%00",
            "rabbit://u:p@h/?ssl=maybe", "rabbit://u:p@[::1/", "rabbit://u:p@h h/",
        ]
        for text in bad {
            #expect(throws: AMQPTransportURLError.self, "\(text)") { try AMQPTransportURL(parsing: text) }
        }
    }
}
