import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// The sockets of this process that have a private id, by pid, with their session: a client
/// can come back before the server has seen its old connection go (a long poll between two
/// requests is noticed only at the ping timeout). Its old session is then a stale copy of the same
/// socket: `dropStale` ends it as a lost connection, so that the socket is kept for recovery and
/// comes back, instead of a new socket that missed what was sent meanwhile.
final class SocketIOLiveSockets: Sendable {
    private struct Entry: Sendable {
        var session: NIOLoopBound<EngineIOSession>
        var sessionID: ObjectIdentifier
        var namespace: String
        var identity: String?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    /// `pid`'s socket is connected on `session`.
    func register(pid: String, session: EngineIOSession, namespace: String, identity: String?) {
        let entry = Entry(
            session: NIOLoopBound(session, eventLoop: session.eventLoop), sessionID: ObjectIdentifier(session),
            namespace: namespace, identity: identity
        )
        self.entries.withLockedValue { $0[pid] = entry }
    }

    /// `pid`'s socket left `session` (a later session's registration is kept).
    func unregister(pid: String, session: EngineIOSession) {
        self.entries.withLockedValue { entries in
            if entries[pid]?.sessionID == ObjectIdentifier(session) {
                entries[pid] = nil
            }
        }
    }

    /// Ends the session still holding `pid` in `namespace` for the same `identity` as a lost
    /// connection ("transport close", so that the socket is kept); the future completes on
    /// `eventLoop` once it is done (at once when there is none). Another identity's pid is left
    /// alone: a pid is no licence to end someone's session.
    func dropStale(pid: String, namespace: String, identity: String?, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let entry = self.entries.withLockedValue({ $0[pid] }), entry.namespace == namespace, entry.identity == identity
        else { return eventLoop.makeSucceededVoidFuture() }
        return entry.session.eventLoop.submit {
            entry.session.value.drop(reason: "transport close")
        }.hop(to: eventLoop)
    }
}
