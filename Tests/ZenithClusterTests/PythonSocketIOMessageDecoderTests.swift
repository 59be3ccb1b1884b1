import NIOCore
import SocketIO
import Testing
import ZenithCluster
import ZenithJSON

/// Decodes the messages recorded from python-socketio 5.18.1's `RedisManager(write_only=True)`
/// (`Fixtures/python-socketio`, made by `Fixtures/record_python_socketio.py`), and hand-made
/// variants of them for what a write-only manager cannot send.
@Suite struct PythonSocketIOMessageDecoderTests {
    let decoder = PythonSocketIOMessageDecoder(namespaces: ["/", "/horizon"])

    func broadcast(_ fixture: String) throws -> SocketIOBroadcast {
        let message = decoder.decode(try EmitterFixtures.python(fixture))
        guard case .broadcast(let broadcast) = message else {
            Issue.record("\(fixture): \(message)")
            throw EmitterSkipReason.malformed("not a broadcast")
        }
        return broadcast
    }

    func skipReason(_ payload: ByteBuffer) -> EmitterSkipReason? {
        guard case .skip(let reason) = decoder.decode(payload) else { return nil }
        return reason
    }

    func skipReason(json: String) -> EmitterSkipReason? {
        skipReason(ByteBuffer(string: json))
    }

    func decoded(json: String) -> SocketIOBroadcast? {
        guard case .broadcast(let broadcast) = decoder.decode(ByteBuffer(string: json)) else { return nil }
        return broadcast
    }

    @Test("emit without a room reaches the whole namespace with its one argument")
    func noRoom() throws {
        let broadcast = try broadcast("emit-no-room")
        #expect(broadcast.namespace == "/")
        #expect(broadcast.audience == .namespace)
        #expect(broadcast.except.isEmpty)
        #expect(broadcast.event == "update")
        #expect(broadcast.arguments == [["id": 7, "status": "ACTIVE"]])
    }

    @Test("emit to a room, given as room= or to=, reaches that room")
    func oneRoom() throws {
        let room = try broadcast("emit-room")
        #expect(room.audience == .rooms(["project:42"]))
        #expect(room.arguments == [["id": 7]])
        let to = try broadcast("emit-to")
        #expect(to.audience == .rooms(["project:42"]))
        #expect(to.arguments == ["hello"])
    }

    @Test("emit to a room list reaches every room of it, and a list argument stays one argument")
    func roomList() throws {
        let broadcast = try broadcast("emit-room-list")
        #expect(broadcast.audience == .rooms(["project:1", "project:2"]))
        #expect(broadcast.arguments == [[1, 2]])
    }

    @Test("an empty room list is skipped, never widened to the whole namespace")
    func emptyRoomList() throws {
        #expect(skipReason(try EmitterFixtures.python("emit-empty-room-list")) == .emptyRoomList)
    }

    @Test("the namespace is the message's, and must be one Zenith serves")
    func namespace() throws {
        let broadcast = try broadcast("emit-namespace")
        #expect(broadcast.namespace == "/horizon")
        #expect(broadcast.arguments == [1.5])
        let narrow = PythonSocketIOMessageDecoder(namespaces: ["/"])
        guard case .skip(let reason) = narrow.decode(try EmitterFixtures.python("emit-namespace")) else {
            Issue.record("an unknown namespace was decoded")
            return
        }
        #expect(reason == .unknownNamespace("/horizon"))
    }

    @Test("skip_sid, one sid or a list, becomes the rooms to except (every socket is in its own id's room)")
    func skipSid() throws {
        let one = try broadcast("emit-skip-sid")
        #expect(one.except == ["sid-a"])
        #expect(one.audience == .rooms(["project:42"]))
        #expect(one.arguments == [true])
        let list = try broadcast("emit-skip-sid-list")
        #expect(list.except == ["sid-a", "sid-b"])
        #expect(list.audience == .namespace)
    }

    @Test("data reads as python-socketio's own receiver reads it: a tuple is the arguments, None and () are none")
    func arguments() throws {
        #expect(try broadcast("emit-tuple").arguments == ["one", 2, nil])
        #expect(try broadcast("emit-none").arguments == [])
        #expect(try broadcast("emit-skip-sid-list").arguments == [])
        #expect(try broadcast("emit-empty-tuple").arguments == [])
        #expect(try broadcast("emit-list-argument").arguments == [[1, "two"]])
        // Not what python-socketio sends, but what its receiver makes of it.
        #expect(decoded(json: #"{"method":"emit","event":"e","data":{"a":1}}"#)?.arguments == [["a": 1]])
        #expect(decoded(json: #"{"method":"emit","event":"e","data":null}"#)?.arguments == [])
        #expect(decoded(json: #"{"method":"emit","event":"e","data":[[null]]}"#)?.arguments == [[nil]])
    }

    @Test("non-ASCII event names, rooms and data survive JSON's escapes")
    func unicode() throws {
        let broadcast = try broadcast("emit-unicode")
        #expect(broadcast.event == "ünïcødé")
        #expect(broadcast.audience == .rooms(["ré"]))
        #expect(broadcast.arguments == [["text": "日本語 \u{2028}"]])
    }

    @Test("binary data (base64 attachments) is skipped")
    func binary() throws {
        #expect(skipReason(try EmitterFixtures.python("emit-binary")) == .binary)
    }

    @Test("a reserved event name is skipped")
    func reserved() throws {
        #expect(skipReason(try EmitterFixtures.python("emit-reserved")) == .reservedEvent("disconnect"))
    }

    @Test("enter_room, leave_room and close_room are skipped with their method named")
    func roomMethods() throws {
        #expect(skipReason(try EmitterFixtures.python("enter-room")) == .unsupportedMethod("enter_room"))
        #expect(skipReason(try EmitterFixtures.python("leave-room")) == .unsupportedMethod("leave_room"))
        #expect(skipReason(try EmitterFixtures.python("close-room")) == .unsupportedMethod("close_room"))
    }

    @Test("disconnect and callback (a server-attached manager's) are skipped; an unknown method is malformed")
    func otherMethods() {
        // As pubsub_manager.py writes them (a write-only manager cannot send these).
        #expect(skipReason(json: #"{"method": "disconnect", "sid": "sid-a", "namespace": "/", "host_id": "h"}"#)
            == .unsupportedMethod("disconnect"))
        #expect(skipReason(json: #"{"method": "callback", "host_id": "h", "sid": "s", "namespace": "/", "id": 1, "args": []}"#)
            == .unsupportedMethod("callback"))
        #expect(skipReason(json: #"{"method": "explode"}"#) == .malformed("unknown method"))
        #expect(skipReason(json: #"{"event": "e"}"#) == .malformed("'method' must be a string"))
    }

    @Test("an emit with a callback is delivered without an acknowledgement")
    func callback() throws {
        // What a server-attached manager sends for emit(..., to=sid, callback=f): [room, namespace, id].
        let json = #"{"method": "emit", "event": "ask", "data": [1], "binary": false, "namespace": "/", "room": "sid-a", "skip_sid": null, "callback": ["sid-a", "/", 1], "host_id": "h"}"#
        let broadcast = try #require(decoded(json: json))
        #expect(broadcast.audience == .rooms(["sid-a"]))
        #expect(broadcast.arguments == [1])
    }

    @Test("a pickled message (python-socketio before 5.14) is refused without unpickling")
    func pickled() throws {
        let reason = skipReason(try EmitterFixtures.python("pickled", extension: "bin"))
        #expect(reason == .pickled)
        #expect(reason?.description.contains("5.14") == true)
    }

    @Test("room names are bounded as the publish API bounds them")
    func roomBounds() {
        let long = String(repeating: "r", count: SocketIORoomNames.maxBytes + 1)
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"room":"\#(long)"}"#) == .invalidRoom(field: "room"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"room":""}"#) == .invalidRoom(field: "room"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"room":5}"#) == .invalidRoom(field: "room"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"room":["a",5]}"#) == .invalidRoom(field: "room"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"skip_sid":[""]}"#) == .invalidRoom(field: "skip_sid"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"skip_sid":{}}"#) == .invalidRoom(field: "skip_sid"))
        let many = "[" + (0...SocketIORoomNames.maxPerBroadcast).map { "\"r\($0)\"" }.joined(separator: ",") + "]"
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"room":\#(many)}"#)
            == .tooManyRooms(field: "room", limit: SocketIORoomNames.maxPerBroadcast))
        let exactly = "[" + (1...SocketIORoomNames.maxPerBroadcast).map { "\"r\($0)\"" }.joined(separator: ",") + "]"
        #expect(decoded(json: #"{"method":"emit","event":"e","data":[1],"room":\#(exactly)}"#) != nil)
    }

    @Test("a message without the documented shape is skipped as malformed or not JSON")
    func malformed() {
        #expect(skipReason(json: "[1]") == .malformed("the message must be a JSON object"))
        #expect(skipReason(json: #"{"method":"emit","event":"e"}"#) == .malformed("'data' is missing"))
        #expect(skipReason(json: #"{"method":"emit","data":[1]}"#) == .malformed("the event name must be a non-empty string"))
        #expect(skipReason(json: #"{"method":"emit","event":"","data":[1]}"#) == .malformed("the event name must be a non-empty string"))
        #expect(skipReason(json: #"{"method":"emit","event":"e","data":[1],"namespace":7}"#) == .malformed("'namespace' must be a string"))
        guard case .notJSON? = skipReason(json: "{\"method\": NaN}") else {
            Issue.record("NaN was read as JSON")
            return
        }
        guard case .notJSON? = skipReason(json: "") else {
            Issue.record("an empty body was read as JSON")
            return
        }
    }

    @Test("a message larger than the limit is skipped before it is parsed")
    func tooLarge() throws {
        let small = PythonSocketIOMessageDecoder(namespaces: ["/"], maxBytes: 100)
        let payload = try EmitterFixtures.python("emit-no-room")
        guard case .skip(let reason) = small.decode(payload) else {
            Issue.record("a large message was decoded")
            return
        }
        #expect(reason == .tooLarge(size: payload.readableBytes, limit: 100))
    }

    @Test("a missing or null namespace is the main one")
    func defaultNamespace() {
        #expect(decoded(json: #"{"method":"emit","event":"e","data":[1]}"#)?.namespace == "/")
        #expect(decoded(json: #"{"method":"emit","event":"e","data":[1],"namespace":null}"#)?.namespace == "/")
    }
}
