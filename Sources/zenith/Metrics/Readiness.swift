import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ZenithConfig

/// What `/readyz` reports: ready once every listener is bound and while every upstream has a
/// server that accepts a TCP connection within a second. Problems are named, never hidden.
final class Readiness: Sendable {
    private let listening = NIOLockedValueBox(false)
    private let upstreams = NIOLockedValueBox<[UpstreamConfiguration]>([])
    private let notes = NIOLockedValueBox<[@Sendable () -> String?]>([])

    func listenersBound(upstreams: [UpstreamConfiguration]) {
        self.upstreams.withLockedValue { $0 = upstreams }
        self.listening.withLockedValue { $0 = true }
    }

    func configurationChanged(upstreams: [UpstreamConfiguration]) {
        self.upstreams.withLockedValue { $0 = upstreams }
    }

    /// Adds a source of lines that a ready `/readyz` shows below "ready": something degraded that
    /// the node serves well enough without (the message bus).
    func addNote(_ note: @escaping @Sendable () -> String?) {
        self.notes.withLockedValue { $0.append(note) }
    }

    /// The notes that apply now.
    var currentNotes: [String] {
        self.notes.withLockedValue { $0 }.compactMap { $0() }
    }

    /// The problems found now (empty when ready).
    func check(on eventLoop: EventLoop) -> EventLoopFuture<[String]> {
        guard self.listening.withLockedValue({ $0 }) else {
            return eventLoop.makeSucceededFuture(["listeners not bound yet"])
        }
        let checks = self.upstreams.withLockedValue { $0 }.sorted { $0.name < $1.name }.map { upstream in
            Self.anyServerAccepts(upstream, on: eventLoop).map { $0 ? nil : "upstream \(upstream.name): no server accepts connections" }
        }
        return EventLoopFuture.whenAllSucceed(checks, on: eventLoop).map { $0.compactMap { $0 } }
    }

    private static func anyServerAccepts(_ upstream: UpstreamConfiguration, on eventLoop: EventLoop) -> EventLoopFuture<Bool> {
        let attempts = upstream.servers.map { server in
            ClientBootstrap(group: eventLoop).connectTimeout(.seconds(1))
                .connect(host: server.host, port: server.port)
                .flatMap { channel in channel.close().map { true } }
                .recover { _ in false }
        }
        return EventLoopFuture.whenAllSucceed(attempts, on: eventLoop).map { $0.contains(true) }
    }
}
