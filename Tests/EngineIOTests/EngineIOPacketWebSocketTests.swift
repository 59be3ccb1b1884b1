import EngineIO
import NIOCore
import Testing

@Suite("Engine.IO packets over WebSocket")
struct EngineIOPacketWebSocketTests {
    static let everyTextPacket: [(EngineIOPacket, String)] = [
        (.open(#"{"sid":"abc"}"#), #"0{"sid":"abc"}"#),
        (.close, "1"),
        (.ping(""), "2"),
        (.ping("probe"), "2probe"),
        (.pong(""), "3"),
        (.pong("probe"), "3probe"),
        (.message("hello"), "4hello"),
        (.message(""), "4"),
        (.message("€ and 😀"), "4€ and 😀"),
        (.upgrade, "5"),
        (.noop, "6"),
    ]

    @Test("every text packet encodes to its type digit followed by its data", arguments: everyTextPacket)
    func encodesText(packet: EngineIOPacket, text: String) {
        #expect(packet.webSocketText() == text)
        var buffer = ByteBuffer()
        #expect(packet.writeWebSocketText(into: &buffer))
        #expect(String(buffer: buffer) == text)
    }

    @Test("every text frame decodes back to its packet", arguments: everyTextPacket)
    func decodesText(packet: EngineIOPacket, text: String) throws {
        #expect(try EngineIOPacket.decode(webSocketText: ByteBuffer(string: text)) == packet)
    }

    @Test("packet types keep their protocol numbers")
    func packetTypeNumbers() {
        #expect(EngineIOPacketType.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6])
        #expect(EngineIOPacket.binaryMessage(ByteBuffer()).type == .message)
        #expect(EngineIOPacket.ping("probe").type == .ping)
        #expect(EngineIOPacketType(asciiDigit: UInt8(ascii: "7")) == nil)
    }

    @Test("a binary message has no text frame and goes out as its bytes")
    func binaryMessageHasNoText() {
        let packet = EngineIOPacket.binaryMessage(ByteBuffer(bytes: [1, 2, 3, 4]))
        #expect(packet.webSocketText() == nil)
        var buffer = ByteBuffer()
        #expect(!packet.writeWebSocketText(into: &buffer))
        #expect(buffer.readableBytes == 0)
    }

    @Test("a binary frame decodes to a binary message, whatever its bytes")
    func decodesBinaryFrame() {
        let bytes = ByteBuffer(bytes: [0x34, 0, 0xFF, 0x1E])
        #expect(EngineIOPacket.decode(webSocketBinary: bytes) == .binaryMessage(bytes))
        #expect(EngineIOPacket.decode(webSocketBinary: ByteBuffer()) == .binaryMessage(ByteBuffer()))
    }

    @Test("the upgrade dance of the spec decodes and answers as written")
    func upgradeDance() throws {
        // engine.io-protocol v4, "Upgrade": 2probe → 3probe → 5
        let probe = try EngineIOPacket.decode(webSocketText: ByteBuffer(string: "2probe"))
        #expect(probe == .ping("probe"))
        guard case .ping(let data) = probe else { return }
        #expect(EngineIOPacket.pong(data).webSocketText() == "3probe")
        #expect(try EngineIOPacket.decode(webSocketText: ByteBuffer(string: "5")) == .upgrade)
    }

    @Test("an empty text frame is an error")
    func emptyFrame() {
        #expect(throws: EngineIODecodingError.emptyPacket) { try EngineIOPacket.decode(webSocketText: ByteBuffer(string: "")) }
    }

    @Test("an unknown type digit is an error", arguments: ["7", "9hello", "xyz", " 4", "-1", "\u{1E}"])
    func unknownType(text: String) {
        #expect(throws: EngineIODecodingError.unknownPacketType(text.utf8.first!)) {
            try EngineIOPacket.decode(webSocketText: ByteBuffer(string: text))
        }
    }

    @Test("close, upgrade and noop with data are errors", arguments: [("1x", EngineIOPacketType.close), ("5probe", .upgrade), ("6 ", .noop)])
    func dataOnBarePackets(text: String, type: EngineIOPacketType) {
        #expect(throws: EngineIODecodingError.unexpectedData(type)) { try EngineIOPacket.decode(webSocketText: ByteBuffer(string: text)) }
    }

    @Test("the polling-only base64 form is refused in a WebSocket text frame")
    func base64InTextFrame() {
        #expect(throws: EngineIODecodingError.base64NotAllowed) { try EngineIOPacket.decode(webSocketText: ByteBuffer(string: "bAQIDBA==")) }
    }

    @Test("a text frame that is not UTF-8 is an error, not silently repaired")
    func invalidUTF8() throws {
        #expect(throws: EngineIODecodingError.invalidUTF8) {
            try EngineIOPacket.decode(webSocketText: ByteBuffer(bytes: [UInt8(ascii: "4"), 0x68, 0xC3, 0x28]))
        }
        #expect(try EngineIOPacket.decode(webSocketText: ByteBuffer(string: "4héllo")) == .message("héllo"))
    }
}
