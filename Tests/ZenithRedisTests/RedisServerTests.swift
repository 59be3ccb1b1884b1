import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ZenithBackoff
import Testing

@testable import ZenithRedis

/// The client against a real redis-server started by each test on its own loopback port.
@Suite("the Redis client against a real redis-server")
struct RedisServerTests {
    static func configuration(_ server: RedisServer, _ rest: String = "") throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: "redis://\(rest)127.0.0.1:\(server.port)")
        configuration.backoff = ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200))
        return configuration
    }

    @Test("SET, GET, DEL and INCR")
    func basicCommands() async throws {
        try await withRedisServer { server in
            try await withEventLoop { loop in
                let client = RedisClient(configuration: try Self.configuration(server), eventLoop: loop)
                try await client.waitUntilUp().get()
                #expect(try await client.send("SET", "k", "v").get() == .simpleString("OK"))
                #expect(try await client.send("GET", "k").get().string == "v")
                #expect(try await client.send("DEL", "k").get() == .integer(1))
                #expect(try await client.send("GET", "k").get() == .bulkString(nil))
                #expect(try await client.send("INCR", "n").get() == .integer(1))
                #expect(try await client.execute(RESPCommand("INCR", "n")) == .integer(2))
                await #expect(throws: RedisError.reply("ERR value is not an integer or out of range")) {
                    _ = try await client.send("INCRBY", "n", "x").get()
                }
                try await client.shutdown().get()
            }
        }
    }

    @Test("100 commands in flight get their replies in order")
    func pipelining() async throws {
        try await withRedisServer { server in
            try await withEventLoop { loop in
                let client = RedisClient(configuration: try Self.configuration(server), eventLoop: loop)
                try await client.waitUntilUp().get()
                let futures = (1...100).map { _ in client.send("INCR", "counter") }
                let replies = try await EventLoopFuture.whenAllSucceed(futures, on: loop).get()
                #expect(replies == (1...100).map { RESPValue.integer(Int64($0)) })
                try await client.shutdown().get()
            }
        }
    }

    @Test("AUTH with the right password and SELECT the URL's database; a wrong password is a clear error")
    func authAndSelect() async throws {
        try await withRedisServer(["--requirepass", "s3cret"]) { server in
            try await withEventLoop { loop in
                let client = RedisClient(configuration: try Self.configuration(server, ":s3cret@").with(database: 2), eventLoop: loop)
                try await client.waitUntilUp().get()
                _ = try await client.send("SET", "in-db-2", "yes").get()
                let other = RedisClient(configuration: try Self.configuration(server, ":s3cret@"), eventLoop: loop)
                try await other.waitUntilUp().get()
                #expect(try await other.send("GET", "in-db-2").get() == .bulkString(nil))
                _ = try await other.send("SELECT", "2").get()
                #expect(try await other.send("GET", "in-db-2").get().string == "yes")

                let wrong = RedisClient(configuration: try Self.configuration(server, ":nope@"), eventLoop: loop)
                await #expect(throws: RedisError.authenticationFailed("WRONGPASS invalid username-password pair or user is disabled.")) {
                    try await wrong.waitUntilUp().get()
                }
                #expect(wrong.state == .down(reason: "Redis refused the credentials: WRONGPASS invalid username-password pair or user is disabled."))
                await #expect(throws: RedisError.notConnected) { _ = try await wrong.send("PING").get() }

                let none = RedisClient(configuration: try Self.configuration(server), eventLoop: loop)
                await #expect(throws: RedisError.authenticationFailed("NOAUTH Authentication required.")) {
                    try await none.waitUntilUp().get()
                }
                for client in [client, other, wrong, none] { try await client.shutdown().get() }
            }
        }
    }

    @Test("PUBLISH reaches SUBSCRIBE and PSUBSCRIBE subscribers")
    func publishSubscribe() async throws {
        try await withRedisServer { server in
            try await withEventLoop { loop in
                let received = NIOLockedValueBox<[RedisMessage]>([])
                let subscriber = RedisSubscriber(configuration: try Self.configuration(server), eventLoop: loop) { message in
                    loop.preconditionInEventLoop()
                    received.withLockedValue { $0.append(message) }
                }
                try await subscriber.subscribe(channels: ["zenith.a"]).get()
                try await subscriber.subscribe(patterns: ["zenith.p.*"]).get()
                try await subscriber.waitUntilUp().get()
                let client = RedisClient(configuration: try Self.configuration(server), eventLoop: loop)
                try await client.waitUntilUp().get()
                #expect(try await client.send("PUBLISH", "zenith.a", "one").get() == .integer(1))
                #expect(try await client.send("PUBLISH", "zenith.p.x", "two").get() == .integer(1))
                #expect(try await client.send("PUBLISH", "zenith.other", "three").get() == .integer(0))
                try await eventually { received.withLockedValue { $0.count } == 2 }
                #expect(received.withLockedValue { $0 } == [
                    RedisMessage(channel: "zenith.a", payload: ByteBuffer(string: "one")),
                    RedisMessage(pattern: "zenith.p.*", channel: "zenith.p.x", payload: ByteBuffer(string: "two")),
                ])
                try await subscriber.unsubscribe(channels: ["zenith.a"]).get()
                #expect(try await client.send("PUBLISH", "zenith.a", "four").get() == .integer(0))
                try await subscriber.shutdown().get()
                try await client.shutdown().get()
            }
        }
    }

    @Test("after a server restart the client reconnects and the subscriber subscribes again")
    func serverRestart() async throws {
        try await withRedisServer { server in
            try await withEventLoop { loop in
                let received = NIOLockedValueBox<[String]>([])
                let states = NIOLockedValueBox<[RedisConnectionState]>([])
                let subscriber = RedisSubscriber(
                    configuration: try Self.configuration(server), eventLoop: loop,
                    onStateChange: { state in states.withLockedValue { $0.append(state) } }
                ) { message in
                    received.withLockedValue { $0.append(String(buffer: message.payload)) }
                }
                let client = RedisClient(configuration: try Self.configuration(server), eventLoop: loop)
                try await subscriber.subscribe(channels: ["c"]).get()
                try await subscriber.subscribe(patterns: ["p*"]).get()
                try await subscriber.waitUntilUp().get()
                try await client.waitUntilUp().get()

                let inFlight = client.send("BLPOP", "never", "0")
                server.stop()
                await #expect(throws: RedisError.connectionClosed) { _ = try await inFlight.get() }
                try await eventually { client.state != .up && subscriber.state != .up }
                await #expect(throws: RedisError.notConnected) { _ = try await client.send("PING").get() }

                try await server.start()
                try await eventually { client.state == .up && subscriber.state == .up }
                #expect(try await client.send("PUBLISH", "c", "after").get() == .integer(1))
                #expect(try await client.send("PUBLISH", "pq", "pattern-after").get() == .integer(1))
                try await eventually { received.withLockedValue { $0 } == ["after", "pattern-after"] }
                let seen = states.withLockedValue { $0 }
                #expect(seen.first == .up && seen.last == .up && seen.contains { if case .down = $0 { true } else { false } })
                try await subscriber.shutdown().get()
                try await client.shutdown().get()
            }
        }
    }
}

extension RedisConfiguration {
    func with(database: Int) -> RedisConfiguration {
        var copy = self
        copy.database = database
        return copy
    }
}

/// Waits (up to 10 s) until `condition` holds.
func eventually(_ condition: () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 10 s")
    throw RedisServerError(message: "timed out")
}
