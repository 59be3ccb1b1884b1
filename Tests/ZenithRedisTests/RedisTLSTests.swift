import Foundation
import LoopbackPorts
import NIOCore
import Testing

@testable import ZenithRedis

/// `rediss://` against redis-server's TLS port, with a CA and a server certificate made by
/// openssl for this test (SAN: DNS localhost, IP 127.0.0.1).
@Suite("the Redis client over TLS")
struct RedisTLSTests {
    @Test("rediss:// with a CA file connects, checks the certificate, and refuses an untrusted one")
    func tls() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tlsPort = try LoopbackPorts.free()
        let arguments = [
            "--port", "0", "--tls-port", String(tlsPort), "--tls-cert-file", certificates.path("server.crt"),
            "--tls-key-file", certificates.path("server.key"), "--tls-ca-cert-file", certificates.path("ca.crt"),
            "--tls-auth-clients", "no",
        ]
        try await withRedisServer(arguments) { _ in
            try await withEventLoop { loop in
                var configuration = try RedisConfiguration(url: "rediss://127.0.0.1:\(tlsPort)/1")
                configuration.tls?.caFile = certificates.path("ca.crt")
                let client = RedisClient(configuration: configuration, eventLoop: loop)
                try await client.waitUntilUp().get()
                #expect(try await client.send("SET", "k", "over tls").get() == .simpleString("OK"))
                #expect(try await client.send("GET", "k").get().string == "over tls")
                try await client.shutdown().get()

                var named = try RedisConfiguration(url: "rediss://127.0.0.1:\(tlsPort)")
                named.tls = RedisConfiguration.TLS(caFile: certificates.path("ca.crt"), serverName: "localhost")
                let byName = RedisClient(configuration: named, eventLoop: loop)
                try await byName.waitUntilUp().get()
                try await byName.shutdown().get()

                var untrusted = try RedisConfiguration(url: "rediss://127.0.0.1:\(tlsPort)")
                untrusted.tls?.caFile = certificates.path("server.crt")
                let refused = RedisClient(configuration: untrusted, eventLoop: loop)
                await #expect(throws: (any Error).self) { try await refused.waitUntilUp().get() }
                #expect(refused.state != .up)
                try await refused.shutdown().get()
            }
        }
    }
}

/// A CA and a server certificate it signed, in a temporary directory.
struct TestCertificates {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zenith-redis-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Zenith test CA",
                    "-keyout", "ca.key", "-out", "ca.crt")
        try openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: directory.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
        try openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                    "-extfile", "san.ext", "-out", "server.crt")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private func openssl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RedisServerError(message: "openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
