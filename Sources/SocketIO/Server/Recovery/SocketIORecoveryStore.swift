import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// What connection state recovery keeps in this process, for every event loop of a server: the
/// offsets of broadcasts, the recent broadcasts (to replay), and, as the directory of a single
/// node, the sockets that lost their connection (their ids, pids and rooms), all bounded by
/// `SocketIORecoverySettings`. One lock guards it, taken once per broadcast and per recovery.
///
/// On one node the store gives broadcasts their offsets (a sequence); in a cluster every node
/// records the cluster's stream, in its order, under the ids Redis gave (`record(_:at:…)`).
final class SocketIORecoveryStore: SocketIORecoveryDirectory {
    /// A broadcast as kept for replay.
    struct KeptBroadcast: Sendable {
        var offset: BroadcastOffset
        var namespace: String
        var audience: SocketIOBroadcast.Audience
        var except: [String]
        var frames: EngineIOBroadcastFrames
        var bytes: Int
        var at: NIODeadline
    }

    /// The broadcasts a socket missed.
    struct Replay: Sendable {
        var missed: [EngineIOBroadcastFrames]
        /// The last offset recorded when the replay was made: deliveries of broadcasts up to it
        /// that are still on their way to the socket's event loop are skipped (the replay carried
        /// them, or they were not for it).
        var through: BroadcastOffset
    }

    private struct State {
        var lastOffset = BroadcastOffset.zero
        var broadcasts = CircularBuffer<KeptBroadcast>()
        var broadcastBytes = 0
        /// Broadcasts up to this offset are not kept (dropped, or before this store knew of any):
        /// a client behind it missed them for good.
        var droppedThrough = BroadcastOffset.zero
        var sockets: [String: SocketIOSavedSocket] = [:]
        var socketOrder = CircularBuffer<String>()
    }

    let settings: SocketIORecoverySettings
    private let state = NIOLockedValueBox(State())

    init(settings: SocketIORecoverySettings) {
        self.settings = settings
    }

    /// Keeps a broadcast under `offset` (the next of this store's sequence when nil) and runs
    /// `deliver` with its frames under the store's lock, so that every event loop gets the
    /// broadcasts in offset order. A given offset not after the last one was recorded already
    /// (a stream read again after a reconnection): nothing is done and false returned.
    @discardableResult
    func record(
        _ broadcast: SocketIOBroadcast, at given: BroadcastOffset? = nil, encode: (BroadcastOffset) -> EngineIOBroadcastFrames,
        deliver: (EngineIOBroadcastFrames, BroadcastOffset) -> Void
    ) -> Bool {
        self.state.withLockedValue { state in
            let offset = given ?? state.lastOffset.successor
            guard offset > state.lastOffset else { return false }
            state.lastOffset = offset
            let frames = encode(offset)
            let bytes = frames.frames.reduce(0) { $0 + $1.byteCount }
            let now = NIODeadline.now()
            state.broadcasts.append(
                KeptBroadcast(
                    offset: offset, namespace: broadcast.namespace, audience: broadcast.audience, except: broadcast.except,
                    frames: frames, bytes: bytes, at: now
                )
            )
            state.broadcastBytes += bytes
            self.trim(&state, now: now)
            deliver(frames, offset)
            return true
        }
    }

    /// Says that broadcasts up to `offset` are not known here (a cluster's stream before this
    /// node read it, or entries Redis dropped while this node could not read): a socket whose
    /// offset is before it is not recoverable from this store.
    func forget(through offset: BroadcastOffset) {
        self.state.withLockedValue { state in
            state.droppedThrough = max(state.droppedThrough, offset)
            state.lastOffset = max(state.lastOffset, offset)
        }
    }

    /// The broadcasts after `offset` that `saved` would have received, or nil when some of them
    /// are no longer kept (or the offset was never given out).
    func missed(after offset: BroadcastOffset, by saved: SocketIOSavedSocket) -> Replay? {
        self.state.withLockedValue { state -> Replay? in
            self.trim(&state, now: .now())
            guard offset >= state.droppedThrough, offset <= state.lastOffset else { return nil }
            var missed: [EngineIOBroadcastFrames] = []
            for kept in state.broadcasts where kept.offset > offset && kept.namespace == saved.namespace {
                guard kept.except.allSatisfy({ !saved.rooms.contains($0) }) else { continue }
                switch kept.audience {
                case .namespace:
                    missed.append(kept.frames)
                case .rooms(let rooms) where rooms.contains(where: saved.rooms.contains):
                    missed.append(kept.frames)
                case .rooms:
                    break
                }
            }
            return Replay(missed: missed, through: state.lastOffset)
        }
    }

    // MARK: SocketIORecoveryDirectory (one node)

    var keepsConnectedSockets: Bool { false }

    func makePrivateID() -> String {
        EngineIOSessionID.make(loopIndex: 0)
    }

    /// Nothing: on one node only lost sockets are kept.
    func connected(pid: String, _ socket: SocketIOSavedSocket) {}

    func changed(pid: String, _ socket: SocketIOSavedSocket) {}

    func lost(pid: String, _ socket: SocketIOSavedSocket) {
        self.state.withLockedValue { state in
            if state.sockets.updateValue(socket, forKey: pid) == nil {
                state.socketOrder.append(pid)
            }
            self.trim(&state, now: socket.at)
        }
    }

    /// Nothing: a connected socket is not kept.
    func left(pid: String) {}

    func take(pid: String, namespace: String, on eventLoop: any EventLoop) -> EventLoopFuture<SocketIOSavedSocket?> {
        eventLoop.makeSucceededFuture(self.take(pid: pid, namespace: namespace))
    }

    /// The socket kept under `pid` in `namespace`, taken out, unless expired.
    func take(pid: String, namespace: String) -> SocketIOSavedSocket? {
        self.state.withLockedValue { state in
            let now = NIODeadline.now()
            self.trim(&state, now: now)
            guard let saved = state.sockets[pid], saved.namespace == namespace else { return nil }
            state.sockets[pid] = nil
            return now - saved.at <= TimeAmount(self.settings.maxDisconnectionDuration) ? saved : nil
        }
    }

    // MARK: Writing out

    /// Everything kept (for writing it out).
    func contents() -> (broadcasts: [KeptBroadcast], sockets: [(String, SocketIOSavedSocket)], last: BroadcastOffset, droppedThrough: BroadcastOffset) {
        self.state.withLockedValue { state in
            self.trim(&state, now: .now())
            let sockets = state.socketOrder.compactMap { pid in state.sockets[pid].map { (pid, $0) } }
            return (Array(state.broadcasts), sockets, state.lastOffset, state.droppedThrough)
        }
    }

    /// Replaces everything kept (a state read back after a restart), within the bounds.
    func replaceContents(
        broadcasts: [KeptBroadcast], sockets: [(String, SocketIOSavedSocket)], last: BroadcastOffset, droppedThrough: BroadcastOffset
    ) {
        self.state.withLockedValue { state in
            state = State()
            state.lastOffset = max(last, broadcasts.last?.offset ?? .zero)
            state.droppedThrough = droppedThrough
            for kept in broadcasts {
                state.broadcasts.append(kept)
                state.broadcastBytes += kept.bytes
            }
            for (pid, saved) in sockets where state.sockets.updateValue(saved, forKey: pid) == nil {
                state.socketOrder.append(pid)
            }
            self.trim(&state, now: .now())
        }
    }

    /// Drops what is older than `maxDisconnectionDuration` and what is beyond the bounds.
    private func trim(_ state: inout State, now: NIODeadline) {
        let oldest = now - TimeAmount(self.settings.maxDisconnectionDuration)
        while let first = state.broadcasts.first,
            first.at < oldest || state.broadcastBytes > self.settings.maxBytes
        {
            state.broadcasts.removeFirst()
            state.broadcastBytes -= first.bytes
            state.droppedThrough = first.offset
        }
        while let pid = state.socketOrder.first {
            guard let saved = state.sockets[pid] else {
                state.socketOrder.removeFirst()
                continue
            }
            guard saved.at < oldest || state.sockets.count > self.settings.maxSessions else { break }
            state.socketOrder.removeFirst()
            state.sockets[pid] = nil
        }
    }
}
