import NIOCore
import SocketIO
import Testing
import ZenithCluster
import ZenithConfig
import ZenithJSON
import ZenithRedis

@Suite("What the cluster's subscriber receives")
struct ClusterInboxTests {
    let inbox = ClusterInbox(
        ownNode: "n1", names: ClusterNames(prefix: "z"), pythonChannel: "socketio", emitterKey: "socket.io", namespaces: ["/"]
    )

    @Test("another node's broadcast is delivered as it was published; this node's own is dropped quietly")
    func broadcasts() {
        let sent = SocketIOBroadcast(
            namespace: "/", to: .rooms(["project:p1", "user:u"]), except: ["muted"], event: "tick",
            arguments: [.object(["i": .int(7)]), .string("x")]
        )
        let fromOther = ClusterBroadcast(origin: "n2", broadcast: sent).encoded()
        guard case .deliver(let received, .node) = self.inbox.sort(RedisMessage(channel: "z:broadcast", payload: fromOther)) else {
            Issue.record("not delivered")
            return
        }
        #expect(received.audience == .rooms(["project:p1", "user:u"]))
        #expect(received.except == ["muted"])
        #expect(received.event == "tick")
        #expect(received.arguments == [.object(["i": .int(7)]), .string("x")])
        let own = ClusterBroadcast(origin: "n1", broadcast: sent).encoded()
        guard case .drop(_, invalid: false) = self.inbox.sort(RedisMessage(channel: "z:broadcast", payload: own)) else {
            Issue.record("own broadcast not dropped")
            return
        }
    }

    @Test("a whole-namespace broadcast stays one; an empty room list never becomes one")
    func audiences() throws {
        let all = SocketIOBroadcast(to: .namespace, event: "e", arguments: [])
        let decoded = try ClusterBroadcast(decoding: ClusterBroadcast(origin: "n2", broadcast: all).encoded())
        #expect(decoded.broadcast.audience == .namespace)
        for text in [
            #"{"node":"n2","nsp":"/","rooms":[],"event":"e","args":[]}"#,
            #"{"node":"n2","nsp":"/","event":"e","args":[]}"#,
            #"{"node":"n2","nsp":"/","rooms":null,"event":"e","args":[]}"#,
            #"{"node":"n2","nsp":"/","rooms":["r"],"event":"connect","args":[]}"#,
            #"{"node":"n2","nsp":"/","rooms":[""],"event":"e","args":[]}"#,
            "{\"node\":\"n2\",\"nsp\":\"/\",\"rooms\":[\"" + String(repeating: "r", count: 257) + "\"],\"event\":\"e\",\"args\":[]}",
            #"not json"#,
        ] {
            #expect(throws: ClusterMessageError.self) { try ClusterBroadcast(decoding: ByteBuffer(string: text)) }
            guard case .drop(_, invalid: true) = self.inbox.sort(RedisMessage(channel: "z:broadcast", payload: ByteBuffer(string: text)))
            else {
                Issue.record("\(text) not dropped as invalid")
                continue
            }
        }
    }

    @Test("announcements round-trip; malformed ones and bad node names are dropped")
    func announcements() {
        let up = ClusterAnnouncement(node: "n2", advertise: HostAndPort(host: "10.0.0.2", port: 80), word: .up)
        guard case .announcement(let heard) = self.inbox.sort(RedisMessage(channel: "z:nodes", payload: up.encoded())) else {
            Issue.record("announcement not read")
            return
        }
        #expect(heard == up)
        for text in [
            #"{"node":"a.b","advertise":"10.0.0.2:80","say":"up"}"#, #"{"node":"n2","advertise":"nowhere","say":"up"}"#,
            #"{"node":"n2","advertise":"10.0.0.2:80","say":"maybe"}"#,
        ] {
            guard case .drop(_, invalid: true) = self.inbox.sort(RedisMessage(channel: "z:nodes", payload: ByteBuffer(string: text))) else {
                Issue.record("\(text) not dropped")
                continue
            }
        }
    }

    @Test("python-socketio's channel and the emitter's pattern go to their decoders")
    func emitters() {
        let python = #"{"method":"emit","event":"e","data":{"a":1},"namespace":"/","room":"r","skip_sid":null,"callback":null,"host_id":"h"}"#
        guard case .deliver(let fromPython, .pythonSocketIO) = self.inbox.sort(
            RedisMessage(channel: "socketio", payload: ByteBuffer(string: python))
        ) else {
            Issue.record("python-socketio message not delivered")
            return
        }
        #expect(fromPython.audience == .rooms(["r"]))
        #expect(self.inbox.patterns == ["socket.io#*"])
        guard case .drop(_, invalid: true) = self.inbox.sort(
            RedisMessage(pattern: "socket.io#*", channel: "socket.io#/#", payload: ByteBuffer(string: "x"))
        ) else {
            Issue.record("bad emitter message not dropped")
            return
        }
    }
}

@Suite("Cluster membership")
struct ClusterPeersTests {
    let a = HostAndPort(host: "10.0.0.2", port: 80)
    let b = HostAndPort(host: "10.0.0.3", port: 80)

    @Test("nodes join, move, leave by saying so, and are forgotten when silent")
    func lifecycle() {
        var peers = ClusterPeers(ownNode: "n1", expiry: .seconds(7))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        #expect(peers.hear(ClusterAnnouncement(node: "n2", advertise: a, word: .hello), at: start) == .joined("n2", a))
        #expect(peers.hear(ClusterAnnouncement(node: "n2", advertise: a, word: .up), at: start) == nil)
        #expect(peers.hear(ClusterAnnouncement(node: "n2", advertise: b, word: .up), at: start) == .moved("n2", b))
        #expect(peers.hear(ClusterAnnouncement(node: "n1", advertise: b, word: .up), at: start) == nil)
        #expect(peers.hear(ClusterAnnouncement(node: "n3", advertise: a, word: .up), at: start + .seconds(5)) == .joined("n3", a))
        #expect(peers.address(of: "n2") == b)
        #expect(peers.names == ["n2", "n3"])
        #expect(peers.expire(at: start + .seconds(8)) == [.left("n2")])
        #expect(peers.address(of: "n2") == nil)
        #expect(peers.hear(ClusterAnnouncement(node: "n3", advertise: a, word: .down), at: start + .seconds(9)) == .left("n3"))
        #expect(peers.names.isEmpty)
    }

    @Test("beyond maxPeers, new nodes are ignored; known ones are still heard")
    func bounded() {
        var peers = ClusterPeers(ownNode: "n0", expiry: .seconds(7))
        let now = NIODeadline.now()
        for index in 0..<ClusterPeers.maxPeers {
            _ = peers.hear(ClusterAnnouncement(node: "p\(index)", advertise: a, word: .up), at: now)
        }
        #expect(peers.hear(ClusterAnnouncement(node: "extra", advertise: a, word: .up), at: now) == .ignored("extra"))
        #expect(peers.address(of: "extra") == nil)
        #expect(peers.hear(ClusterAnnouncement(node: "p0", advertise: b, word: .up), at: now) == .moved("p0", b))
    }
}
