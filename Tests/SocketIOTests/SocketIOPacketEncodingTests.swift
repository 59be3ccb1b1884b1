import NIOCore
import SocketIO
import Testing

/// Every example of the Socket.IO v5 protocol README ("Packet encoding" and "Sample session").
enum ProtocolExamples {
    static let textPackets: [(SocketIOPacket, String)] = [
        // connection to a namespace
        (SocketIOPacket(type: .connect), "0"),
        (SocketIOPacket(type: .connect, data: ["sid": "wZX3oN0bSVIhsaknAAAI"]), #"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
        (SocketIOPacket(type: .connect, namespace: "/admin"), "0/admin,"),
        (SocketIOPacket(type: .connect, namespace: "/admin", data: ["sid": "oSO0OpakMV_3jnilAAAA"]), #"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#),
        (SocketIOPacket(type: .connect, namespace: "/admin", data: ["token": "123"]), #"0/admin,{"token":"123"}"#),
        (SocketIOPacket(type: .connectError, data: ["message": "Not authorized"]), #"4{"message":"Not authorized"}"#),
        // sending and receiving data
        (SocketIOPacket(type: .event, data: ["foo"]), #"2["foo"]"#),
        (SocketIOPacket(type: .event, namespace: "/admin", data: ["bar"]), #"2/admin,["bar"]"#),
        // acknowledgement
        (SocketIOPacket(type: .event, id: 12, data: ["foo"]), #"212["foo"]"#),
        (SocketIOPacket(type: .ack, id: 12, data: []), "312[]"),
        (SocketIOPacket(type: .event, namespace: "/admin", id: 13, data: ["foo"]), #"2/admin,13["foo"]"#),
        (SocketIOPacket(type: .ack, namespace: "/admin", id: 13, data: ["bar"]), #"3/admin,13["bar"]"#),
        (SocketIOPacket(type: .ack, id: 14, data: ["bar"]), #"314["bar"]"#),
        (SocketIOPacket(type: .event, id: 15, data: ["foo"]), #"215["foo"]"#),
        // disconnection
        (SocketIOPacket(type: .disconnect), "1"),
        (SocketIOPacket(type: .disconnect, namespace: "/admin"), "1/admin,"),
        // sample session
        (SocketIOPacket(type: .event, data: ["hey", "Jude"]), #"2["hey","Jude"]"#),
        (SocketIOPacket(type: .event, namespace: "/admin", id: 1, data: ["tellme"]), #"2/admin,1["tellme"]"#),
        (SocketIOPacket(type: .connect, namespace: "/admin", data: ["sid": "-G5j-67EZFp-q59rADQM"]), #"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#),
        // socket.io-parser: a CONNECT_ERROR with a plain string
        (SocketIOPacket(type: .connectError, data: "Unauthorized"), #"4"Unauthorized""#),
    ]

    static let binaryPackets: [(SocketIOPacket, String, [[UInt8]])] = [
        (
            SocketIOPacket(type: .event, data: ["baz", .binary(ByteBuffer(bytes: [1, 2, 3, 4]))]),
            #"51-["baz",{"_placeholder":true,"num":0}]"#, [[1, 2, 3, 4]]
        ),
        (
            SocketIOPacket(type: .event, namespace: "/admin", data: ["baz", .binary(ByteBuffer(bytes: [1, 2])), .binary(ByteBuffer(bytes: [3, 4]))]),
            #"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#, [[1, 2], [3, 4]]
        ),
        (
            SocketIOPacket(type: .event, id: 14, data: ["foo", .binary(ByteBuffer(bytes: [1, 2, 3, 4]))]),
            #"51-14["foo",{"_placeholder":true,"num":0}]"#, [[1, 2, 3, 4]]
        ),
        (
            SocketIOPacket(type: .ack, id: 15, data: ["bar", .binary(ByteBuffer(bytes: [1, 2, 3, 4]))]),
            #"61-15["bar",{"_placeholder":true,"num":0}]"#, [[1, 2, 3, 4]]
        ),
        (
            SocketIOPacket(type: .ack, namespace: "/admin", id: 1, data: [.binary(ByteBuffer(bytes: [9]))]),
            #"61-/admin,1[{"_placeholder":true,"num":0}]"#, [[9]]
        ),
    ]
}

@Suite("Socket.IO packet encoding")
struct SocketIOPacketEncodingTests {
    @Test("every text example of the protocol README encodes as written", arguments: ProtocolExamples.textPackets)
    func textExamples(packet: SocketIOPacket, text: String) {
        #expect(packet.encode() == text)
    }

    @Test("every binary example of the protocol README encodes to its text and attachments", arguments: ProtocolExamples.binaryPackets)
    func binaryExamples(packet: SocketIOPacket, text: String, attachments: [[UInt8]]) {
        let (encoded, buffers) = packet.encodeWithAttachments()
        #expect(encoded == text)
        #expect(buffers.map { Array($0.readableBytesView) } == attachments)
    }

    @Test("wrapped in an Engine.IO message, an event goes out as 42[...]")
    func engineIOWrapping() {
        var buffer = ByteBuffer(string: "4")
        SocketIOPacket(type: .event, data: ["foo"]).write(into: &buffer)
        #expect(String(buffer: buffer) == #"42["foo"]"#)
    }

    @Test("the convenience builders make the packets the protocol describes")
    func builders() {
        #expect(SocketIOPacket.event("hello", ["world", 1]).encode() == #"2["hello","world",1]"#)
        #expect(SocketIOPacket.event("hello", namespace: "/chat", id: 3).encode() == #"2/chat,3["hello"]"#)
        #expect(SocketIOPacket.ack(id: 7, [["ok": true]]).encode() == #"37[{"ok":true}]"#)
        #expect(SocketIOPacket.connect(data: ["sid": "x"]).encode() == #"0{"sid":"x"}"#)
        #expect(SocketIOPacket.connectError(message: "unauthorized").encode() == #"4{"message":"unauthorized"}"#)
        #expect(SocketIOPacket.connectError(message: "no", data: ["code": 1]).encode() == #"4{"message":"no","data":{"code":1}}"#)
        #expect(SocketIOPacket.disconnect(namespace: "/x").encode() == "1/x,")
    }

    @Test("an event's name and arguments are read back")
    func nameAndArguments() {
        let event = SocketIOPacket.event("subscribe", ["project:abc"])
        #expect(event.eventName == "subscribe")
        #expect(event.arguments == ["project:abc"])
        #expect(SocketIOPacket.ack(id: 1, [1, 2]).arguments == [1, 2])
        #expect(SocketIOPacket.ack(id: 1).eventName == nil)
    }

    @Test("reserved event names are the six of socket.io-parser")
    func reservedNames() {
        for name in ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] {
            #expect(SocketIOPacket.isReservedEventName(name))
        }
        #expect(!SocketIOPacket.isReservedEventName("message"))
        #expect(!SocketIOPacket.isReservedEventName("Connect"))
    }

    @Test("a namespace is valid on the wire when it starts with / and has no comma")
    func namespaceValidity() {
        #expect(SocketIOPacket.isValidNamespace("/"))
        #expect(SocketIOPacket.isValidNamespace("/admin"))
        #expect(!SocketIOPacket.isValidNamespace("admin"))
        #expect(!SocketIOPacket.isValidNamespace("/a,b"))
        #expect(!SocketIOPacket.isValidNamespace(""))
    }

    @Test("packet types keep their protocol numbers")
    func typeNumbers() {
        #expect(SocketIOPacketType.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6])
        #expect(SocketIOPacketType.allCases.filter(\.isBinary) == [.binaryEvent, .binaryAck])
    }
}
