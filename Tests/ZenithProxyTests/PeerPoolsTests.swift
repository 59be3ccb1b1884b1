import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import ZenithConfig

@testable import ZenithProxy

@Suite("pools to other cluster nodes")
struct PeerPoolsTests {
    private static func loopContext(on eventLoop: EventLoop = EmbeddedEventLoop()) throws -> LoopContext {
        let configuration = try TestConfiguration.load(
            config: "[listen]\nhttp = [\"127.0.0.1:8080\"]\n", routes: "* / respond 200 ok\n"
        )
        let logger = Logger(label: "test")
        return LoopContext(
            eventLoop: eventLoop, configuration: configuration, loopCount: 1,
            fileIO: NonBlockingFileIO(threadPool: .singleton), logger: logger, accessLog: AccessLog(logger: logger)
        )
    }

    @Test("a node's pool is kept while in use and made once")
    func reused() throws {
        let loop = try Self.loopContext()
        let node = HostAndPort(host: "127.0.0.1", port: 7001)
        #expect(loop.peerPool(for: node) === loop.peerPool(for: node))
    }

    @Test("the pool of a node no longer used is retired when another node's is made")
    func unusedPoolsRetire() throws {
        let loop = try Self.loopContext()
        let gone = HostAndPort(host: "127.0.0.1", port: 7001)
        let old = loop.peerPool(for: gone)
        #expect(old.isUnused)
        _ = loop.peerPool(for: HostAndPort(host: "127.0.0.1", port: 7002))
        var refused: Error?
        old.leaseNew(for: .client) { result in
            if case .failure(let error) = result { refused = error }
        }
        #expect(refused.map { "\($0)" } == "\(UpstreamPool.Failure.retired)")
        #expect(loop.peerPool(for: gone) !== old)
    }

    @Test("a pool with a connection open is kept when another node's is made")
    func poolsInUseStay() throws {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let node = try ServerBootstrap(group: eventLoop).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? node.close().wait() }
        let address = HostAndPort(host: "127.0.0.1", port: node.localAddress!.port!)
        let other = HostAndPort(host: "127.0.0.1", port: 7002)
        // Everything on the pool's loop, where pools live.
        let keptWhileInUse: EventLoopFuture<Bool> = eventLoop.flatSubmit {
            let loop: LoopContext
            do {
                loop = try Self.loopContext(on: eventLoop)
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
            let pool = loop.peerPool(for: address)
            let leased = eventLoop.makePromise(of: UpstreamConnection.self)
            pool.leaseNew(for: .client) { result in
                switch result {
                case .success(let connection): leased.assumeIsolated().succeed(connection)
                case .failure(let error): leased.fail(error)
                }
            }
            return leased.futureResult.assumeIsolated().map { connection in
                let inUse = !pool.isUnused
                _ = loop.peerPool(for: other)
                let kept = loop.peerPool(for: address) === pool
                pool.release(connection, reusable: false)
                return inUse && kept
            }.nonisolated()
        }
        #expect(try keptWhileInUse.wait())
    }
}
