import Foundation
import NIOCore
import Testing

@testable import ZenithRedis

@Suite("Redis URLs, password files and redaction")
struct RedisConfigurationTests {
    static func configuration(_ url: String) throws -> RedisConfiguration { try RedisConfiguration(url: url) }

    @Test("a URL gives host, port, database and credentials")
    func parts() throws {
        let plain = try Self.configuration("redis://127.0.0.1")
        #expect(plain.host == "127.0.0.1" && plain.port == 6379 && plain.database == 0)
        #expect(plain.username == nil && plain.password == nil && plain.tls == nil)

        let full = try Self.configuration("redis://zenith:s%40cret:x@redis.example:6380/3")
        #expect(full.host == "redis.example" && full.port == 6380 && full.database == 3)
        #expect(full.username == "zenith" && full.password == "s@cret:x")

        let passwordOnly = try Self.configuration("REDIS://:pw@h/")
        #expect(passwordOnly.username == nil && passwordOnly.password == "pw" && passwordOnly.database == 0)

        let tls = try Self.configuration("rediss://[::1]:6390/1")
        #expect(tls.host == "::1" && tls.port == 6390 && tls.database == 1 && tls.tls == RedisConfiguration.TLS())
        #expect(try Self.configuration("redis://[fe80::1]").port == 6379)
    }

    @Test("bad URLs are refused with a clear reason")
    func badURLs() {
        let cases: [(String, String)] = [
            ("http://h", "the scheme must be redis:// or rediss://"),
            ("redis://", "the host is missing"),
            ("redis://:pw@:6379", "the host is missing"),
            ("redis://h:0", "the port must be 1-65535"),
            ("redis://h:65536", "the port must be 1-65535"),
            ("redis://h:x", "the port must be 1-65535"),
            ("redis://h/db", "the path must be /db, a database number"),
            ("redis://h/1/2", "the path must be /db, a database number"),
            ("redis://h?db=1", "query and fragment are not supported (give the database as /db)"),
            ("redis://pw@h", "the credentials must be user:password or :password"),
            ("redis://:p%zz@h", "the password has a bad %-escape or is not UTF-8"),
            ("redis://[::1", "an IPv6 host needs its closing ]"),
            ("redis://[::1]x", "after the IPv6 host only :port may follow"),
            ("redis://[zz]", "[zz] is not an IPv6 address"),
            ("redis://h st", "spaces and control characters are not allowed"),
            ("redis://h!/0", "the host h! has a character a host name cannot have"),
        ]
        for (url, reason) in cases {
            #expect(throws: RedisConfigurationError.badURL(reason), "\(url)") { try Self.configuration(url) }
        }
    }

    @Test("the password never shows in descriptions or errors")
    func redaction() throws {
        let configuration = try Self.configuration("rediss://zenith:topsecret@h:1/2")
        #expect(configuration.redactedURL == "rediss://zenith:***@h:1/2")
        #expect("\(configuration)" == "rediss://zenith:***@h:1/2")
        #expect(!String(reflecting: configuration).contains("topsecret"))
        #expect(try Self.configuration("redis://[::1]").redactedURL == "redis://[::1]:6379/0")
        #expect(throws: RedisConfigurationError.badURL("the port must be 1-65535")) { try Self.configuration("redis://:topsecret@h:99999") }
    }

    @Test("the password can come from a file, not from both the file and the URL")
    func passwordFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zenith-redis-password-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "from-file\r\nsecond line\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try RedisConfiguration(url: "redis://h", passwordFile: file.path)
        #expect(configuration.password == "from-file")
        #expect(throws: RedisConfigurationError.passwordTwice) { try RedisConfiguration(url: "redis://:x@h", passwordFile: file.path) }
        try "\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: RedisConfigurationError.passwordFile(path: file.path, reason: "the first line is empty")) {
            try RedisConfiguration(url: "redis://h", passwordFile: file.path)
        }
        #expect(throws: RedisConfigurationError.passwordFile(path: "/nonexistent/x", reason: "No such file or directory")) {
            try RedisConfiguration(url: "redis://h", passwordFile: "/nonexistent/x")
        }
    }
}
