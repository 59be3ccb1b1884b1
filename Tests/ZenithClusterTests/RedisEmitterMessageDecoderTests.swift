import NIOCore
import SocketIO
import Testing
import ZenithCluster
import ZenithJSON

/// The npm registry is not reachable here, so the real `@socket.io/redis-emitter` cannot run:
/// each message is built from the documented layout (`[uid, packet, opts]`, as
/// socket.io-redis-emitter's `BroadcastOperator.emit` and socket.io-redis-adapter's `broadcast`
/// build it) with the test's own notepack-like writer, checked byte for byte against the fixture
/// msgpack-python made of the same values (`Fixtures/make_redis_emitter.py`), then decoded.
@Suite struct RedisEmitterMessageDecoderTests {
    let decoder = RedisEmitterMessageDecoder(namespaces: ["/", "/horizon"])

    /// redis-emitter's message: packet `{type, data, nsp}`, opts `{rooms, flags, except}`.
    static func emitterMessage(
        _ data: [JSONValue], nsp: String = "/", rooms: [String] = [], except: [String] = [], flags: JSONObject = [:], type: Int64 = 2
    ) -> JSONValue {
        [
            "emitter",
            .object(["type": .int(type), "data": .array(data), "nsp": .string(nsp)]),
            .object(["rooms": .array(rooms.map { .string($0) }), "flags": .object(flags), "except": .array(except.map { .string($0) })]),
        ]
    }

    /// The fixture's bytes, after checking the test's writer makes the same of `message`.
    func fixture(_ name: String, is message: JSONValue) throws -> ByteBuffer {
        let recorded = try EmitterFixtures.redisEmitter(name)
        #expect(Array(recorded.readableBytesView) == MessagePackWriter.bytes(message), "\(name): bytes differ from the layout")
        return recorded
    }

    func broadcast(channel: String, _ payload: ByteBuffer) throws -> SocketIOBroadcast {
        let message = decoder.decode(channel: channel, payload: payload)
        guard case .broadcast(let broadcast) = message else {
            Issue.record("\(channel): \(message)")
            throw EmitterSkipReason.malformed("not a broadcast")
        }
        return broadcast
    }

    func skipReason(channel: String = "socket.io#/#", _ payload: ByteBuffer) -> EmitterSkipReason? {
        guard case .skip(let reason) = decoder.decode(channel: channel, payload: payload) else { return nil }
        return reason
    }

    func skipReason(channel: String = "socket.io#/#", _ message: JSONValue) -> EmitterSkipReason? {
        skipReason(channel: channel, MessagePackWriter.buffer(message))
    }

    @Test("emitter.emit without to() reaches the whole namespace, as in every Socket.IO server")
    func everyone() throws {
        let payload = try fixture("emit-all", is: Self.emitterMessage(["update", ["id": 7, "status": "ACTIVE"]]))
        let broadcast = try broadcast(channel: "socket.io#/#", payload)
        #expect(broadcast.namespace == "/")
        #expect(broadcast.audience == .namespace)
        #expect(broadcast.except.isEmpty)
        #expect(broadcast.event == "update")
        #expect(broadcast.arguments == [["id": 7, "status": "ACTIVE"]])
    }

    @Test("emitter.to(room) is published on the room's channel and reaches that room")
    func oneRoom() throws {
        let payload = try fixture("emit-room", is: Self.emitterMessage(["update", ["id": 7]], rooms: ["project:42"]))
        let broadcast = try broadcast(channel: "socket.io#/#project:42#", payload)
        #expect(broadcast.audience == .rooms(["project:42"]))
        #expect(broadcast.arguments == [["id": 7]])
    }

    @Test("several rooms and except rooms come from opts")
    func roomsAndExcept() throws {
        let message = Self.emitterMessage(["update", 1], rooms: ["project:1", "project:2"], except: ["sid-a"])
        let broadcast = try broadcast(channel: "socket.io#/#", try fixture("emit-rooms-except", is: message))
        #expect(broadcast.audience == .rooms(["project:1", "project:2"]))
        #expect(broadcast.except == ["sid-a"])
        #expect(broadcast.arguments == [1])
    }

    @Test("emitter.of(namespace) is published on that namespace's channel")
    func namespace() throws {
        let payload = try fixture("emit-namespace", is: Self.emitterMessage(["update", "x"], nsp: "/horizon"))
        let broadcast = try broadcast(channel: "socket.io#/horizon#", payload)
        #expect(broadcast.namespace == "/horizon")
        #expect(skipReason(channel: "socket.io#/#", payload) == .namespaceMismatch(channel: "/", packet: "/horizon"))
        let narrow = RedisEmitterMessageDecoder(namespaces: ["/"])
        guard case .skip(let reason) = narrow.decode(channel: "socket.io#/horizon#", payload: payload) else {
            Issue.record("an unknown namespace was decoded")
            return
        }
        #expect(reason == .unknownNamespace("/horizon"))
    }

    @Test("volatile is delivered as a normal emit; compress is ignored; no argument is no argument")
    func volatileAndCompress() throws {
        let volatile = try fixture("emit-volatile", is: Self.emitterMessage(["tick"], flags: ["volatile": true]))
        #expect(try broadcast(channel: "socket.io#/#", volatile).arguments == [])
        let compress = try fixture("emit-compress", is: Self.emitterMessage(["tick", nil], flags: ["compress": false]))
        #expect(try broadcast(channel: "socket.io#/#", compress).arguments == [nil])
    }

    @Test("arguments of every type and integer width decode to their values")
    func everyType() throws {
        let arguments: [JSONValue] = [
            0, 127, 128, 255, 256, 65535, 65536, 4_294_967_295, 4_294_967_296, -1, -32, -33, -128, -129,
            -32768, -32769, -2_147_483_648, -2_147_483_649, 1.5, -0.25, true, false, nil,
            .string(String(repeating: "a", count: 31)), .string(String(repeating: "b", count: 32)),
            .string(String(repeating: "c", count: 256)), "é日本語", [], [:], [[1, [2, [3]]]], ["k": ["n": [nil]]],
        ]
        let payload = try fixture("emit-arguments", is: Self.emitterMessage(["numbers"] + arguments))
        let broadcast = try broadcast(channel: "socket.io#/#", payload)
        #expect(broadcast.event == "numbers")
        #expect(broadcast.arguments == arguments)
    }

    @Test("a Buffer argument (bin) and a BINARY_EVENT packet are skipped as binary")
    func binary() throws {
        #expect(skipReason(try EmitterFixtures.redisEmitter("emit-binary-buffer")) == .binary)
        let binaryEvent = try fixture(
            "emit-binary-event", is: Self.emitterMessage(["file", ["_placeholder": true, "num": 0]], type: 5)
        )
        #expect(skipReason(binaryEvent) == .binary)
    }

    @Test("a Date argument (notepack's timestamp extension) is skipped as not MessagePack of JSON")
    func date() throws {
        #expect(skipReason(try EmitterFixtures.redisEmitter("emit-date")) == .notMessagePack(.extensionType(-1, at: 27)))
    }

    @Test("a reserved event name is skipped")
    func reserved() throws {
        let payload = try fixture("emit-reserved", is: Self.emitterMessage(["connect"]))
        #expect(skipReason(payload) == .reservedEvent("connect"))
    }

    @Test("a broadcast flagged local is skipped")
    func local() throws {
        let payload = try fixture("emit-local", is: Self.emitterMessage(["update"], flags: ["local": true]))
        #expect(skipReason(payload) == .localOnly)
    }

    @Test("a Node server's adapter broadcast (random uid, opts in its own order) decodes the same way")
    func adapterBroadcast() throws {
        let message: JSONValue = [
            "Xk3p9Q",
            ["type": 2, "data": ["update", ["id": 7]], "nsp": "/"],
            ["rooms": ["project:42"], "except": ["sid-a"], "flags": [:]],
        ]
        let broadcast = try broadcast(channel: "socket.io#/#project:42#", try fixture("adapter-broadcast", is: message))
        #expect(broadcast.audience == .rooms(["project:42"]))
        #expect(broadcast.except == ["sid-a"])
        #expect(broadcast.arguments == [["id": 7]])
    }

    @Test("other packet types are skipped with their type")
    func packetTypes() {
        for type: Int64 in [0, 1, 3, 4, 6, 9] {
            #expect(skipReason(Self.emitterMessage(["e"], type: type)) == .unsupportedPacketType(type))
        }
    }

    @Test("a packet id (an acknowledgement) is dropped: the event is delivered without it")
    func acknowledgement() throws {
        let message: JSONValue = ["emitter", ["type": 2, "data": ["ask", 1], "nsp": "/", "id": 4], ["rooms": [], "flags": [:], "except": []]]
        let broadcast = try broadcast(channel: "socket.io#/#", MessagePackWriter.buffer(message))
        #expect(broadcast.arguments == [1])
    }

    @Test("a missing nsp, rooms, except or flags reads as the adapter reads it")
    func defaults() throws {
        let message: JSONValue = ["uid", ["type": 2, "data": ["e"]], [:]]
        let broadcast = try broadcast(channel: "socket.io#/#", MessagePackWriter.buffer(message))
        #expect(broadcast.namespace == "/")
        #expect(broadcast.audience == .namespace)
    }

    @Test("the channel's room must be the message's one room")
    func channelRoom() {
        #expect(skipReason(channel: "socket.io#/#other#", Self.emitterMessage(["e"], rooms: ["project:42"])) == .channelRoomMismatch)
        #expect(skipReason(channel: "socket.io#/#project:42#", Self.emitterMessage(["e"])) == .channelRoomMismatch)
    }

    @Test("room names are bounded as the publish API bounds them")
    func roomBounds() {
        #expect(skipReason(Self.emitterMessage(["e"], rooms: ["a", ""])) == .invalidRoom(field: "rooms"))
        #expect(skipReason(Self.emitterMessage(["e"], except: [String(repeating: "x", count: 257)])) == .invalidRoom(field: "except"))
        let numeric: JSONValue = ["u", ["type": 2, "data": ["e"], "nsp": "/"], ["rooms": [5]]]
        #expect(skipReason(numeric) == .invalidRoom(field: "rooms"))
        let many = (0...SocketIORoomNames.maxPerBroadcast).map { "r\($0)" }
        #expect(skipReason(Self.emitterMessage(["e"], rooms: many)) == .tooManyRooms(field: "rooms", limit: SocketIORoomNames.maxPerBroadcast))
    }

    @Test("a message without the documented shape is skipped as malformed")
    func malformed() {
        #expect(skipReason(["uid", ["type": 2, "data": ["e"]]]) == .malformed("the message must be a list of [uid, packet, opts]"))
        #expect(skipReason(["uid", 1, [:]]) == .malformed("the packet must be a map"))
        #expect(skipReason(["uid", ["type": 2, "data": ["e"]], 1]) == .malformed("opts must be a map"))
        #expect(skipReason(["uid", ["type": "2", "data": ["e"]], [:]]) == .malformed("the packet type must be an integer"))
        #expect(skipReason(["uid", ["type": 2, "data": []], [:]]) == .malformed("the packet's data must be a list starting with the event name"))
        #expect(skipReason(["uid", ["type": 2, "data": [1]], [:]]) == .malformed("the event name must be a non-empty string"))
        #expect(skipReason(["uid", ["type": 2, "data": ["e"], "nsp": 1], [:]]) == .malformed("the packet's nsp must be a string"))
        #expect(skipReason(["uid", ["type": 2, "data": ["e"]], ["rooms": "a"]]) == .invalidRoom(field: "rooms"))
        #expect(skipReason(ByteBuffer(bytes: [0xc1])) == .notMessagePack(.neverUsedByte(at: 0)))
    }

    @Test("a message on another channel is skipped")
    func otherChannel() {
        let message = Self.emitterMessage(["e"])
        #expect(skipReason(channel: "socket.io-request#/#", message) == .notEmitterChannel)
        #expect(skipReason(channel: "other#/#", message) == .notEmitterChannel)
    }

    @Test("a message larger than the limit is skipped")
    func tooLarge() {
        let small = RedisEmitterMessageDecoder(namespaces: ["/"], maxBytes: 8)
        guard case .skip(let reason) = small.decode(channel: "socket.io#/#", payload: MessagePackWriter.buffer(Self.emitterMessage(["e"]))) else {
            Issue.record("a large message was decoded")
            return
        }
        guard case .tooLarge(_, 8) = reason else {
            Issue.record("\(reason)")
            return
        }
    }
}

@Suite struct RedisEmitterChannelTests {
    @Test("a namespace channel and a room channel parse into their parts")
    func parses() {
        #expect(RedisEmitterChannel(parsing: "socket.io#/#", key: "socket.io") == RedisEmitterChannel(namespace: "/"))
        #expect(RedisEmitterChannel(parsing: "socket.io#/horizon#project:42#", key: "socket.io")
            == RedisEmitterChannel(namespace: "/horizon", room: "project:42"))
        #expect(RedisEmitterChannel(parsing: "socket.io#/#a#b#", key: "socket.io") == RedisEmitterChannel(namespace: "/", room: "a#b"))
        #expect(RedisEmitterChannel(parsing: "my#key#/#", key: "my#key") == RedisEmitterChannel(namespace: "/"))
    }

    @Test("channels of another key, the request channels and malformed names do not parse", arguments: [
        "socket.io-request#/#", "socket.io#", "socket.io#/", "socket.io##", "socket.io#x#", "socket.io#/#room",
        "socket.io#/##", "other#/#", "socket.io", "",
    ])
    func refuses(channel: String) {
        #expect(RedisEmitterChannel(parsing: channel, key: "socket.io") == nil)
    }

    @Test("names are built as the emitter builds them and parse back")
    func roundTrip() {
        #expect(RedisEmitterChannel.name(key: "socket.io", namespace: "/") == "socket.io#/#")
        #expect(RedisEmitterChannel.name(key: "socket.io", namespace: "/", room: "r") == "socket.io#/#r#")
        let name = RedisEmitterChannel.name(key: "k", namespace: "/n", room: "r#1")
        #expect(RedisEmitterChannel(parsing: name, key: "k") == RedisEmitterChannel(namespace: "/n", room: "r#1"))
    }

    @Test("the subscription pattern escapes the key's glob characters")
    func pattern() {
        #expect(RedisEmitterChannel.pattern(key: "socket.io") == "socket.io#*")
        #expect(RedisEmitterChannel.pattern(key: "a*b?[c]\\") == "a\\*b\\?\\[c\\]\\\\#*")
        #expect(RedisEmitterMessageDecoder(key: "k", namespaces: []).channelPattern == "k#*")
    }
}
