import EngineIO
import NIOCore
import Testing

@Suite("Engine.IO polling payloads")
struct EngineIOPayloadTests {
    private func encoded(_ packets: [EngineIOPacket]) -> String {
        var buffer = ByteBuffer()
        EngineIOPayload.encode(packets, into: &buffer)
        return String(buffer: buffer)
    }

    private func decoded(_ text: String, maxPackets: Int = 100) throws(EngineIODecodingError) -> [EngineIOPacket] {
        try EngineIOPayload.decode(ByteBuffer(string: text), maxPackets: maxPackets)
    }

    @Test("the spec's text payload example round-trips: 4hello RS 2 RS 4world")
    func specTextExample() throws {
        let packets: [EngineIOPacket] = [.message("hello"), .ping(""), .message("world")]
        #expect(encoded(packets) == "4hello\u{1E}2\u{1E}4world")
        #expect(try decoded("4hello\u{1E}2\u{1E}4world") == packets)
    }

    @Test("the spec's binary payload example round-trips: 4hello RS bAQIDBA==")
    func specBinaryExample() throws {
        let packets: [EngineIOPacket] = [.message("hello"), .binaryMessage(ByteBuffer(bytes: [1, 2, 3, 4]))]
        #expect(encoded(packets) == "4hello\u{1E}bAQIDBA==")
        #expect(try decoded("4hello\u{1E}bAQIDBA==") == packets)
    }

    @Test("the Socket.IO sample session's POST body decodes to two messages")
    func socketIOSampleSession() throws {
        #expect(try decoded("42[\"hello\"]\u{1E}42[\"world\"]") == [.message("2[\"hello\"]"), .message("2[\"world\"]")])
    }

    @Test("the spec's handshake body decodes to an open packet")
    func handshakeBody() throws {
        let json = #"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#
        #expect(try decoded("0" + json) == [.open(json)])
        #expect(encoded([.open(json)]) == "0" + json)
    }

    @Test("a payload with every packet type and several binaries round-trips")
    func everyTypeRoundTrip() throws {
        let packets: [EngineIOPacket] = [
            .open("{}"), .close, .ping(""), .pong("probe"), .message("héllo €"),
            .binaryMessage(ByteBuffer(bytes: [])), .binaryMessage(ByteBuffer(bytes: [0xFF])),
            .binaryMessage(ByteBuffer(bytes: Array(0...255))), .upgrade, .noop, .message(""),
        ]
        let text = encoded(packets)
        #expect(try decoded(text) == packets)
    }

    @Test("a single packet is a payload without separator")
    func singlePacket() throws {
        #expect(encoded([.noop]) == "6")
        #expect(try decoded("6") == [.noop])
        #expect(encoded([]) == "")
    }

    @Test("an empty body is an error")
    func emptyBody() {
        #expect(throws: EngineIODecodingError.emptyPacket) { try decoded("") }
    }

    @Test("an empty record between, before or after separators is an error", arguments: ["4a\u{1E}\u{1E}4b", "\u{1E}4a", "4a\u{1E}", "\u{1E}"])
    func emptyRecord(text: String) {
        #expect(throws: EngineIODecodingError.emptyPacket) { try decoded(text) }
    }

    @Test("an unknown packet type anywhere in the payload is an error")
    func unknownTypeInPayload() {
        #expect(throws: EngineIODecodingError.unknownPacketType(UInt8(ascii: "9"))) { try decoded("4ok\u{1E}9bad") }
    }

    @Test("malformed base64 in a payload is an error", arguments: ["bAQIDBA=", "bAQI DBA=", "b====", "bAQIDBA==\u{1E}bA", "b@@@@"])
    func badBase64(text: String) {
        #expect(throws: EngineIODecodingError.invalidBase64) { try decoded(text) }
    }

    @Test("a lone b is an empty binary message")
    func emptyBinary() throws {
        #expect(try decoded("b") == [.binaryMessage(ByteBuffer())])
    }

    @Test("invalid UTF-8 in a text packet is an error")
    func invalidUTF8() {
        let body = ByteBuffer(bytes: [UInt8(ascii: "4"), 0xC3, 0x28])
        #expect(throws: EngineIODecodingError.invalidUTF8) { try EngineIOPayload.decode(body, maxPackets: 10) }
        let truncated = ByteBuffer(bytes: [UInt8(ascii: "4"), 0xE2, 0x82])
        #expect(throws: EngineIODecodingError.invalidUTF8) { try EngineIOPayload.decode(truncated, maxPackets: 10) }
    }

    @Test("more packets than allowed is an error, exactly as many is fine")
    func packetLimit() throws {
        let three = "2\u{1E}2\u{1E}2"
        #expect(try decoded(three, maxPackets: 3).count == 3)
        #expect(throws: EngineIODecodingError.tooManyPackets(limit: 2)) { try decoded(three, maxPackets: 2) }
    }

    @Test("data on close, upgrade or noop inside a payload is an error")
    func dataOnBarePacket() {
        #expect(throws: EngineIODecodingError.unexpectedData(.noop)) { try decoded("4a\u{1E}6x") }
    }

    @Test("decoding reads only the readable bytes of the buffer")
    func readsReadableBytesOnly() throws {
        var buffer = ByteBuffer(string: "junk4hi")
        buffer.moveReaderIndex(forwardBy: 4)
        #expect(try EngineIOPayload.decode(buffer, maxPackets: 1) == [.message("hi")])
    }

    @Test("encoding appends to what the buffer already holds")
    func encodeAppends() {
        var buffer = ByteBuffer(string: "x")
        EngineIOPayload.encode([.message("a")], into: &buffer)
        #expect(String(buffer: buffer) == "x4a")
    }
}
