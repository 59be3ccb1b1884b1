import NIOCore
import NIOEmbedded
import Testing

@testable import ZenithRedis

@Suite("Redis commands in flight")
struct RedisConnectionHandlerTests {
    @Test("beyond maxInFlight commands waiting for replies, the next fails at once and is not sent")
    func boundedInFlight() throws {
        let channel = EmbeddedChannel(handler: RedisConnectionHandler(onMessage: nil))
        var first: EventLoopFuture<RESPValue>?
        for index in 0..<RedisConnectionHandler.maxInFlight {
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            if index == 0 { first = promise.futureResult }
            channel.write(RedisRequest(command: RESPCommand("PING"), expectation: .reply(promise)), promise: nil)
        }
        channel.flush()
        var sent = 0
        while try channel.readOutbound(as: ByteBuffer.self) != nil { sent += 1 }
        #expect(sent == RedisConnectionHandler.maxInFlight)

        let refused = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.write(RedisRequest(command: RESPCommand("PING"), expectation: .reply(refused)), promise: nil)
        channel.flush()
        #expect(throws: RedisError.overloaded) { try refused.futureResult.wait() }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)

        try channel.writeInbound(RESPValue.simpleString("PONG"))
        #expect(try first?.wait() == .simpleString("PONG"))
        _ = try? channel.finish()
    }
}
