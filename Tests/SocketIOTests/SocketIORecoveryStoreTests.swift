import EngineIO
import NIOCore
import Testing
import ZenithJSON

@testable import SocketIO

@Suite("connection state recovery's store")
struct SocketIORecoveryStoreTests {
    @discardableResult
    private func record(
        _ store: SocketIORecoveryStore, to audience: SocketIOBroadcast.Audience, except: [String] = [], at given: BroadcastOffset? = nil,
        _ text: String
    ) -> BroadcastOffset? {
        var delivered: BroadcastOffset?
        store.record(SocketIOBroadcast(to: audience, except: except, event: "e", arguments: []), at: given) { offset in
            EngineIOBroadcastFrames([.text(ByteBuffer(string: text))])
        } deliver: { _, offset in
            delivered = offset
        }
        return delivered
    }

    private func texts(_ replay: SocketIORecoveryStore.Replay?) -> [String] {
        replay?.missed.flatMap { $0.frames.map { frame -> String in
            guard case .text(let bytes) = frame else { return "binary" }
            return String(buffer: bytes)
        } } ?? []
    }

    private func saved(rooms: Set<String>, identity: String? = nil, at: NIODeadline = .now()) -> SocketIOSavedSocket {
        .init(socketID: "s1", namespace: "/", rooms: rooms, identity: identity, at: at)
    }

    @Test("offsets grow; a replay has what the rooms would have got after the offset; a socket is taken once")
    func replay() throws {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60)))
        let first = try #require(self.record(store, to: .rooms(["r"]), "1"))
        store.lost(pid: "p", self.saved(rooms: ["s1", "r"]))
        self.record(store, to: .rooms(["r"]), "2")
        self.record(store, to: .rooms(["other"]), "3")
        self.record(store, to: .namespace, "4")
        self.record(store, to: .rooms(["r"]), except: ["s1"], "5")
        let last = self.record(store, to: .rooms(["other", "s1"]), "6")
        #expect(first.description == "1" && last?.description == "6")
        let saved = try #require(store.take(pid: "p", namespace: "/"))
        #expect(saved.socketID == "s1")
        let replay = store.missed(after: first, by: saved)
        #expect(self.texts(replay) == ["2", "4", "6"])
        #expect(replay?.through == last)
        #expect(store.take(pid: "p", namespace: "/") == nil, "a pid is taken once")
    }

    @Test("another namespace, an unknown pid or an offset never given out is not recovered")
    func refusals() throws {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60)))
        let offset = try #require(self.record(store, to: .rooms(["r"]), "1"))
        store.lost(pid: "a", self.saved(rooms: ["r"]))
        #expect(store.take(pid: "a", namespace: "/x") == nil)
        #expect(store.take(pid: "unknown", namespace: "/") == nil)
        #expect(store.missed(after: BroadcastOffset(sequence: offset.sequence + 5), by: self.saved(rooms: ["r"])) == nil)
    }

    @Test("given offsets (a cluster's stream ids): kept in order, one not after the last is not delivered twice")
    func givenOffsets() throws {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60)))
        let start = try #require(BroadcastOffset("1733550000000-0"))
        store.forget(through: start)
        let first = try #require(BroadcastOffset("1733550000001-0"))
        #expect(self.record(store, to: .namespace, at: first, "1") == first)
        #expect(self.record(store, to: .namespace, at: BroadcastOffset("1733550000001-1"), "2")?.description == "1733550000001-1")
        #expect(self.record(store, to: .namespace, at: first, "again") == nil, "read again after a reconnection")
        #expect(self.texts(store.missed(after: first, by: self.saved(rooms: []))) == ["2"])
        #expect(store.missed(after: BroadcastOffset("1733549999999-9")!, by: self.saved(rooms: [])) == nil, "before the store knew the stream")
        #expect(self.texts(store.missed(after: start, by: self.saved(rooms: []))) == ["1", "2"])
    }

    @Test("beyond the bytes kept, a socket that missed dropped broadcasts is not recoverable")
    func boundedBytes() throws {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60), maxBytes: 10))
        let first = try #require(self.record(store, to: .rooms(["r"]), "aaaa"))
        self.record(store, to: .rooms(["r"]), "bbbb")
        let third = self.record(store, to: .rooms(["r"]), "cccc")  // 12 bytes: "aaaa" is dropped
        #expect(store.missed(after: .zero, by: self.saved(rooms: ["r"])) == nil)
        #expect(self.texts(store.missed(after: first, by: self.saved(rooms: ["r"]))) == ["bbbb", "cccc"])
        #expect(third?.description == "3")
    }

    @Test("beyond the sessions kept, the oldest is not recoverable; expired ones neither")
    func boundedSessions() {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60), maxSessions: 2))
        for pid in ["p1", "p2", "p3"] {
            store.lost(pid: pid, self.saved(rooms: ["r"]))
        }
        #expect(store.take(pid: "p1", namespace: "/") == nil)
        #expect(store.take(pid: "p3", namespace: "/") != nil)
        store.lost(pid: "old", self.saved(rooms: ["r"], at: .now() - .seconds(61)))
        #expect(store.take(pid: "old", namespace: "/") == nil)
    }

    @Test("offsets read back as written: a sequence, a stream id; anything else is refused")
    func offsetText() {
        #expect(BroadcastOffset("42") == BroadcastOffset(sequence: 42))
        #expect(BroadcastOffset("1733550000000-3") == BroadcastOffset(milliseconds: 1_733_550_000_000, sequence: 3))
        #expect(BroadcastOffset("1733550000000-3")?.description == "1733550000000-3")
        for bad in ["", "-1", "1-", "0-5", "1-2-3", "+1", "1e3", "18446744073709551616", " 1"] {
            #expect(BroadcastOffset(bad) == nil, "\(bad)")
        }
        #expect(BroadcastOffset("9-0")! > BroadcastOffset("8-99")!)
    }
}

@Suite("connection state recovery's store across a restart")
struct SocketIORecoveryPersistenceTests {
    @Test("what is written reads back: offsets go on, sockets recover with what they missed, ages count the downtime")
    func roundTrip() throws {
        let settings = SocketIORecoverySettings(maxDisconnectionDuration: .seconds(60))
        let before = SocketIORecoveryStore(settings: settings)
        func record(_ store: SocketIORecoveryStore, _ text: String, to audience: SocketIOBroadcast.Audience) -> BroadcastOffset? {
            var given: BroadcastOffset?
            store.record(SocketIOBroadcast(to: audience, event: "e", arguments: [])) { _ in
                EngineIOBroadcastFrames([.text(ByteBuffer(string: text))])
            } deliver: { _, offset in given = offset }
            return given
        }
        let first = try #require(record(before, "1", to: .rooms(["r"])))
        before.lost(pid: "p", .init(socketID: "s1", namespace: "/", rooms: ["r", "s1"], identity: "alice", at: .now()))
        before.lost(pid: "q", .init(socketID: "s2", namespace: "/", rooms: ["r"], identity: nil, at: .now() - .seconds(50)))
        _ = record(before, "2", to: .namespace)
        let written = before.exported(wallMilliseconds: 1_000_000)

        let after = SocketIORecoveryStore(settings: settings)
        #expect(try after.importState(written, wallMilliseconds: 1_000_000 + 20_000) == 2)
        #expect(after.take(pid: "q", namespace: "/") == nil, "50 s + 20 s down: expired")
        let saved = try #require(after.take(pid: "p", namespace: "/"))
        #expect(saved.rooms == ["r", "s1"] && saved.identity == "alice")
        let missed = after.missed(after: first, by: saved)?.missed.flatMap(\.frames).map { frame -> String in
            guard case .text(let text) = frame else { return "binary" }
            return String(buffer: text)
        }
        #expect(missed == ["2"])
        #expect(record(after, "3", to: .namespace)?.description == "3")
        #expect(throws: SocketIORecoveryStore.PersistenceError.self) {
            try after.importState(ByteBuffer(string: #"{"v":2}"#), wallMilliseconds: 0)
        }
    }
}

extension SocketIORecoveryStore.Replay: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.through == rhs.through && lhs.missed.count == rhs.missed.count }
}

@Suite("a broadcast's frames with its offset")
struct BroadcastOffsetFramesTests {
    private func text(_ frames: EngineIOBroadcastFrames) -> String {
        guard case .text(let bytes)? = frames.frames.first else { return "" }
        return String(buffer: bytes)
    }

    @Test("the offset is the data array's last element, as if it had been encoded with the arguments")
    func appended() throws {
        for (arguments, namespace) in [([JSONValue](), "/"), ([.object(["a": .int(1)]), .string("]")], "/admin")] {
            let plain = EngineIOBroadcastFrames(SocketIOPacket.event("e", arguments, namespace: namespace).engineIOFrames())
            let offset = try #require(BroadcastOffset("1796622301754-3"))
            let expected = EngineIOBroadcastFrames(
                SocketIOPacket.event("e", arguments + [.string(offset.description)], namespace: namespace).engineIOFrames()
            )
            #expect(self.text(plain.appendingOffset(offset)) == self.text(expected))
        }
    }
}
