import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// What connection state recovery keeps, for every event loop of a server: the offset sequence of
/// broadcasts, the recent broadcasts (to replay), and the sockets that lost their connection
/// (their ids, pids and rooms), all bounded by `SocketIORecoverySettings`. One lock guards it,
/// taken once per broadcast and per recovery.
final class SocketIORecoveryStore: Sendable {
    /// A broadcast as kept for replay.
    struct KeptBroadcast: Sendable {
        var offset: UInt64
        var namespace: String
        var audience: SocketIOBroadcast.Audience
        var except: [String]
        var frames: EngineIOBroadcastFrames
        var bytes: Int
        var at: NIODeadline
    }

    /// A socket that lost its connection, as it was.
    struct SavedSocket: Sendable {
        var socketID: String
        var namespace: String
        var rooms: Set<String>
        /// The handler's account of who the socket was (`recoveryIdentity(of:)`).
        var identity: String?
        var at: NIODeadline
    }

    /// A socket found again, with the broadcasts it missed.
    struct Recovered: Sendable {
        var saved: SavedSocket
        var missed: [EngineIOBroadcastFrames]
        /// The last offset given out when the socket was found: deliveries of broadcasts up to it
        /// that are still on their way to its event loop are skipped (the replay carried them,
        /// or they were not for it).
        var through: UInt64
    }

    private struct State {
        var nextOffset: UInt64 = 1
        var broadcasts = CircularBuffer<KeptBroadcast>()
        var broadcastBytes = 0
        /// Broadcasts up to this offset were dropped from `broadcasts`: a client behind it missed them for good.
        var droppedThrough: UInt64 = 0
        var sockets: [String: SavedSocket] = [:]
        var socketOrder = CircularBuffer<String>()
    }

    let settings: SocketIORecoverySettings
    private let state = NIOLockedValueBox(State())

    init(settings: SocketIORecoverySettings) {
        self.settings = settings
    }

    /// Gives the next broadcast its offset and keeps it, and runs `deliver` with its offset under
    /// the store's lock, so that every event loop gets the broadcasts in offset order.
    func record(
        _ broadcast: SocketIOBroadcast, encode: (UInt64) -> EngineIOBroadcastFrames,
        deliver: (EngineIOBroadcastFrames, UInt64) -> Void
    ) {
        self.state.withLockedValue { state in
            let offset = state.nextOffset
            state.nextOffset += 1
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
        }
    }

    /// Keeps a socket whose connection was lost, under its private id.
    func save(pid: String, _ socket: SavedSocket) {
        self.state.withLockedValue { state in
            if state.sockets.updateValue(socket, forKey: pid) == nil {
                state.socketOrder.append(pid)
            }
            self.trim(&state, now: socket.at)
        }
    }

    /// The socket saved under `pid` in `namespace`, taken out (a pid recovers once), with the
    /// broadcasts after `offset` it would have received; nil when it is unknown, expired, of
    /// another identity, or when broadcasts it missed are no longer kept.
    func recover(pid: String, namespace: String, offset: UInt64, identity: String?) -> Recovered? {
        self.state.withLockedValue { state -> Recovered? in
            let now = NIODeadline.now()
            self.trim(&state, now: now)
            guard let saved = state.sockets[pid], saved.namespace == namespace else { return nil }
            state.sockets[pid] = nil
            guard now - saved.at <= TimeAmount(self.settings.maxDisconnectionDuration), saved.identity == identity, offset >= state.droppedThrough, offset < state.nextOffset else { return nil }
            var missed: [EngineIOBroadcastFrames] = []
            for kept in state.broadcasts where kept.offset > offset && kept.namespace == namespace {
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
            return Recovered(saved: saved, missed: missed, through: state.nextOffset - 1)
        }
    }

    /// Everything kept (for writing it out).
    func contents() -> (broadcasts: [KeptBroadcast], sockets: [(String, SavedSocket)], next: UInt64, droppedThrough: UInt64) {
        self.state.withLockedValue { state in
            self.trim(&state, now: .now())
            let sockets = state.socketOrder.compactMap { pid in state.sockets[pid].map { (pid, $0) } }
            return (Array(state.broadcasts), sockets, state.nextOffset, state.droppedThrough)
        }
    }

    /// Replaces everything kept (a state read back after a restart), within the bounds.
    func replaceContents(broadcasts: [KeptBroadcast], sockets: [(String, SavedSocket)], next: UInt64, droppedThrough: UInt64) {
        self.state.withLockedValue { state in
            state = State()
            state.nextOffset = max(next, (broadcasts.last?.offset ?? 0) + 1)
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
