import Testing
@testable import ZenithConfig

@Suite("Hosts and addresses")
struct HostSyntaxTests {
    @Test("host:port reads names, IPv4 and bracketed IPv6")
    func hostAndPort() {
        #expect(HostAndPort(parsing: "Horizon.example.org:8080") == HostAndPort(host: "horizon.example.org", port: 8080))
        #expect(HostAndPort(parsing: "127.0.0.1:80") == HostAndPort(host: "127.0.0.1", port: 80))
        #expect(HostAndPort(parsing: "[::1]:8080") == HostAndPort(host: "::1", port: 8080))
        #expect(HostAndPort(parsing: "[::1]:8080")?.description == "[::1]:8080")
    }

    @Test("host:port without a usable host or port is refused", arguments: ["localhost", "::1:80", "[::1]", ":80", "a b:80", "host:0", "host:65536", "host:8o", "10.0.0.256:80"])
    func badHostAndPort(text: String) {
        #expect(HostAndPort(parsing: text) == nil)
    }

    @Test("port 0 is accepted only where a listener may ask for any free port")
    func portZero() {
        #expect(HostAndPort(parsing: "127.0.0.1:0", allowingPortZero: true)?.port == 0)
    }

    @Test("an address followed by a NUL is no address (inet_pton would stop at the NUL)")
    func nulAfterAddress() {
        #expect(!HostSyntax.isHost("::\u{0}]"))
        #expect(!HostSyntax.isHost("127.0.0.1\u{0}x"))
        #expect(HostSyntax.isHost("127.0.0.1"))
    }

    @Test("trusted proxies are addresses or CIDR blocks")
    func cidr() {
        for good in ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0"] {
            #expect(HostSyntax.isAddressOrCIDR(good), "\(good)")
        }
        for bad in ["10.0.0.0/33", "::/129", "localhost", "10.0.0/8", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.1\u{0}junk", "::\u{0}]"] {
            #expect(!HostSyntax.isAddressOrCIDR(bad), "\(bad)")
        }
    }
}
