import EngineIO
import NIOCore
import Testing
import ZenithJSON

@testable import SocketIO

@Suite("connection state recovery's store")
struct SocketIORecoveryStoreTests {
    private func record(_ store: SocketIORecoveryStore, to audience: SocketIOBroadcast.Audience, except: [String] = [], _ text: String) -> UInt64 {
        var given: UInt64 = 0
        store.record(SocketIOBroadcast(to: audience, except: except, event: "e", arguments: [])) { offset in
            EngineIOBroadcastFrames([.text(ByteBuffer(string: text))])
        } deliver: { _, offset in
            given = offset
        }
        return given
    }

    private func texts(_ recovered: SocketIORecoveryStore.Recovered?) -> [String] {
        recovered?.missed.flatMap { $0.frames.map { frame -> String in
            guard case .text(let bytes) = frame else { return "binary" }
            return String(buffer: bytes)
        } } ?? []
    }

    private func saved(rooms: Set<String>, identity: String? = nil) -> SocketIORecoveryStore.SavedSocket {
        .init(socketID: "s1", namespace: "/", rooms: rooms, identity: identity, at: .now())
    }

    @Test("offsets grow; a recovery replays what the rooms would have got after the offset, once")
    func replay() {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60)))
        let first = self.record(store, to: .rooms(["r"]), "1")
        store.save(pid: "p", self.saved(rooms: ["s1", "r"]))
        _ = self.record(store, to: .rooms(["r"]), "2")
        _ = self.record(store, to: .rooms(["other"]), "3")
        _ = self.record(store, to: .namespace, "4")
        _ = self.record(store, to: .rooms(["r"]), except: ["s1"], "5")
        let last = self.record(store, to: .rooms(["other", "s1"]), "6")
        #expect(first == 1 && last == 6)
        let recovered = store.recover(pid: "p", namespace: "/", offset: first, identity: nil)
        #expect(self.texts(recovered) == ["2", "4", "6"])
        #expect(recovered?.through == 6)
        #expect(recovered?.saved.socketID == "s1")
        #expect(store.recover(pid: "p", namespace: "/", offset: first, identity: nil) == nil, "a pid recovers once")
    }

    @Test("another identity, namespace or an offset never given out is not recovered")
    func refusals() {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60)))
        let offset = self.record(store, to: .rooms(["r"]), "1")
        for (pid, namespace, at, identity) in [("a", "/", offset, "bob"), ("b", "/x", offset, "alice"), ("c", "/", offset + 5, "alice")] {
            store.save(pid: pid, self.saved(rooms: ["r"], identity: "alice"))
            #expect(store.recover(pid: pid, namespace: namespace, offset: at, identity: identity) == nil)
        }
        #expect(store.recover(pid: "unknown", namespace: "/", offset: offset, identity: nil) == nil)
    }

    @Test("beyond the bytes kept, a socket that missed dropped broadcasts is not recoverable")
    func boundedBytes() {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60), maxBytes: 10))
        let first = self.record(store, to: .rooms(["r"]), "aaaa")
        store.save(pid: "late", self.saved(rooms: ["r"]))
        store.save(pid: "recent", self.saved(rooms: ["r"]))
        _ = self.record(store, to: .rooms(["r"]), "bbbb")
        let third = self.record(store, to: .rooms(["r"]), "cccc")  // 12 bytes: "aaaa" is dropped
        #expect(store.recover(pid: "late", namespace: "/", offset: first - 1, identity: nil) == nil)
        #expect(self.texts(store.recover(pid: "recent", namespace: "/", offset: first, identity: nil)) == ["bbbb", "cccc"])
        #expect(third == 3)
    }

    @Test("beyond the sessions kept, the oldest is not recoverable; expired ones neither")
    func boundedSessions() {
        let store = SocketIORecoveryStore(settings: .init(maxDisconnectionDuration: .seconds(60), maxSessions: 2))
        let offset = self.record(store, to: .rooms(["r"]), "1")
        for pid in ["p1", "p2", "p3"] {
            store.save(pid: pid, self.saved(rooms: ["r"]))
        }
        #expect(store.recover(pid: "p1", namespace: "/", offset: offset, identity: nil) == nil)
        #expect(store.recover(pid: "p3", namespace: "/", offset: offset, identity: nil) != nil)
        let expired = SocketIORecoveryStore.SavedSocket(
            socketID: "s", namespace: "/", rooms: [], identity: nil, at: .now() - .seconds(61)
        )
        store.save(pid: "old", expired)
        #expect(store.recover(pid: "old", namespace: "/", offset: offset, identity: nil) == nil)
    }
}

@Suite("connection state recovery's store across a restart")
struct SocketIORecoveryPersistenceTests {
    @Test("what is written reads back: offsets go on, sockets recover with what they missed, ages count the downtime")
    func roundTrip() throws {
        let settings = SocketIORecoverySettings(maxDisconnectionDuration: .seconds(60))
        let before = SocketIORecoveryStore(settings: settings)
        func record(_ store: SocketIORecoveryStore, _ text: String, to audience: SocketIOBroadcast.Audience) {
            store.record(SocketIOBroadcast(to: audience, event: "e", arguments: [])) { _ in
                EngineIOBroadcastFrames([.text(ByteBuffer(string: text))])
            } deliver: { _, _ in }
        }
        record(before, "1", to: .rooms(["r"]))
        before.save(pid: "p", .init(socketID: "s1", namespace: "/", rooms: ["r", "s1"], identity: "alice", at: .now()))
        before.save(pid: "q", .init(socketID: "s2", namespace: "/", rooms: ["r"], identity: nil, at: .now() - .seconds(50)))
        record(before, "2", to: .namespace)
        let written = before.exported(wallMilliseconds: 1_000_000)

        let after = SocketIORecoveryStore(settings: settings)
        #expect(try after.importState(written, wallMilliseconds: 1_000_000 + 20_000) == 2)
        #expect(after.recover(pid: "q", namespace: "/", offset: 1, identity: nil) == nil, "50 s + 20 s down: expired")
        let recovered = try #require(after.recover(pid: "p", namespace: "/", offset: 1, identity: "alice"))
        #expect(recovered.saved.rooms == ["r", "s1"])
        let missed = recovered.missed.flatMap(\.frames).map { frame -> String in
            guard case .text(let text) = frame else { return "binary" }
            return String(buffer: text)
        }
        #expect(missed == ["2"])
        var next: UInt64 = 0
        after.record(SocketIOBroadcast(to: .namespace, event: "e", arguments: [])) { _ in
            EngineIOBroadcastFrames([])
        } deliver: { _, offset in next = offset }
        #expect(next == 3)
        #expect(throws: SocketIORecoveryStore.PersistenceError.self) {
            try after.importState(ByteBuffer(string: #"{"v":2}"#), wallMilliseconds: 0)
        }
    }
}

extension SocketIORecoveryStore.Recovered: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.saved.socketID == rhs.saved.socketID && lhs.through == rhs.through }
}
