import NIOCore
import SocketIO
import Testing

@Suite("Socket.IO packet decoding")
struct SocketIOPacketDecodingTests {
    private func decode(_ text: String, maxAttachments: Int = 10) throws(SocketIODecodingError) -> SocketIOPacket {
        try SocketIOPacket.decode(text, maxAttachments: maxAttachments)
    }

    @Test("every text example of the protocol README decodes to its packet", arguments: ProtocolExamples.textPackets)
    func textExamples(packet: SocketIOPacket, text: String) throws {
        #expect(try decode(text) == packet)
    }

    @Test("every binary example's text decodes to a binary packet with placeholders", arguments: ProtocolExamples.binaryPackets)
    func binaryExamples(packet: SocketIOPacket, text: String, attachments: [[UInt8]]) throws {
        let decoded = try decode(text)
        #expect(decoded.type == (packet.type == .event ? .binaryEvent : .binaryAck))
        #expect(decoded.attachmentCount == attachments.count)
        #expect(decoded.namespace == packet.namespace)
        #expect(decoded.id == packet.id)
        #expect(decoded.encode() == text)
    }

    @Test("a namespace without its comma at the end of the text is accepted")
    func namespaceAtEnd() throws {
        #expect(try decode("1/admin") == SocketIOPacket(type: .disconnect, namespace: "/admin"))
        #expect(try decode("0/admin") == SocketIOPacket(type: .connect, namespace: "/admin"))
    }

    @Test("whitespace around the JSON is accepted, as JSON.parse does")
    func whitespaceAroundJSON() throws {
        #expect(try decode(#"2 ["a"] "#) == SocketIOPacket(type: .event, data: ["a"]))
    }

    @Test("reserved event names and numbers are decoded; refusing them is the server's call")
    func reservedDecoded() throws {
        #expect(try decode(#"2["connect"]"#).eventName == "connect")
    }

    @Test("ids with leading zeros read as numbers, and the largest JavaScript-safe id is accepted")
    func idForms() throws {
        #expect(try decode(#"2007["a"]"#).id == 7)
        #expect(try decode(#"29007199254740991["a"]"#).id == 9_007_199_254_740_991)
    }

    @Test("an empty text is an error")
    func empty() {
        #expect(throws: SocketIODecodingError.emptyPacket) { try decode("") }
    }

    @Test("an unknown type is an error", arguments: ["7", "999", "9[\"a\"]", "a", "/", "-1", " 2[\"a\"]"])
    func unknownType(text: String) {
        #expect(throws: SocketIODecodingError.unknownPacketType(text.utf8.first!)) { try decode(text) }
    }

    @Test("a malformed attachment count is an error", arguments: ["5", "51", "50-", "5a-", "51.23-", "5-[\"a\"]", "6-", "5-1-[\"a\"]", "500-[\"a\"]"])
    func badAttachmentCount(text: String) {
        #expect(throws: SocketIODecodingError.invalidAttachmentCount) { try decode(text) }
    }

    @Test("more attachments than allowed is an error, even with a huge count")
    func tooManyAttachments() {
        let text = #"53-["hello",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#
        #expect(throws: SocketIODecodingError.tooManyAttachments(limit: 2)) { try decode(text, maxAttachments: 2) }
        #expect(throws: Never.self) { try decode(text, maxAttachments: 3) }
        #expect(throws: SocketIODecodingError.tooManyAttachments(limit: 10)) { try decode("599999999999999999999999999-[\"a\"]") }
    }

    @Test("a namespace that does not start with / is an error")
    func badNamespace() {
        #expect(throws: SocketIODecodingError.self) { try decode(#"2admin,["a"]"#) }
        #expect(throws: SocketIODecodingError.self) { try decode("0admin,") }
    }

    @Test("an id too large for a JavaScript number is an error")
    func hugeID() {
        #expect(throws: SocketIODecodingError.invalidID) { try decode(#"29007199254740992["a"]"#) }
        #expect(throws: SocketIODecodingError.invalidID) { try decode(#"2999999999999999999999999999["a"]"#) }
    }

    @Test("an id on connect, disconnect or connect error is an error", arguments: ["012", "0/admin,3{}", "17", "41{\"message\":\"x\"}"])
    func unexpectedID(text: String) {
        #expect(throws: SocketIODecodingError.unexpectedID) { try decode(text) }
    }

    @Test("an ack without id is an error", arguments: ["3[]", "3/admin,[\"a\"]", "61-[{\"_placeholder\":true,\"num\":0}]"])
    func ackWithoutID(text: String) {
        #expect(throws: SocketIODecodingError.missingID) { try decode(text) }
    }

    @Test("non-numeric ids and trailing garbage are JSON errors", arguments: [
        #"2abc["a"]"#, #"2["a"]x"#, #"2["a"]["b"]"#, #"442["some","data""#, #"2/admin,"invalid"#, "2/admin,1x[]", #"21.5["a"]"#,
    ])
    func garbage(text: String) {
        #expect {
            try decode(text)
        } throws: { error in
            guard case .invalidJSON = error as? SocketIODecodingError else { return false }
            return true
        }
    }

    @Test("payloads of the wrong shape for their type are errors (socket.io-parser's list)", arguments: [
        #"0/admin,"invalid""#, "0[]", "0 1", "0null", "1/admin,{}", "1[]", "2/admin,{}", #"2[{"toString":"foo"}]"#, #"2[true,"foo"]"#,
        #"2[null,"bar"]"#, "2[]", "2", "2/admin,", #"2"event""#, "2[1,\"a\"]", "212", "312", "31{}", "31\"a\"", "4", "4[]", "4/admin,",
        "4null", #"51-{"a":{"_placeholder":true,"num":0}}"#, "51-", "61-1{}",
    ])
    func wrongShape(text: String) {
        #expect {
            try decode(text)
        } throws: { error in
            guard case .invalidPayload = error as? SocketIODecodingError else { return false }
            return true
        }
    }

    @Test("JSON nested beyond the depth limit is an error")
    func depthLimit() {
        let deep = "2[\"a\"," + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "]"
        #expect {
            try decode(deep)
        } throws: { error in
            guard case .invalidJSON(let json) = error as? SocketIODecodingError else { return false }
            return json.reason == .tooDeep(limit: 64)
        }
        #expect(throws: Never.self) { try SocketIOPacket.decode(deep, maxAttachments: 10, maxDepth: 80) }
    }

    @Test("every packet of every type round-trips through encode and decode")
    func roundTrip() throws {
        let packets: [SocketIOPacket] = [
            SocketIOPacket(type: .connect, namespace: "/ünïcode"),
            SocketIOPacket(type: .connect, data: ["auth": ["token": "t", "n": 1.25]]),
            SocketIOPacket(type: .disconnect, namespace: "/a/b"),
            SocketIOPacket(type: .event, namespace: "/x", id: 0, data: ["e", nil, [1, [2, [3]]], ["k": "v"]]),
            SocketIOPacket(type: .ack, id: 99, data: []),
            SocketIOPacket(type: .connectError, namespace: "/x", data: "nope"),
            SocketIOPacket(type: .binaryEvent, id: 4, data: ["e", ["_placeholder": true, "num": 0]], attachmentCount: 1),
            SocketIOPacket(type: .binaryAck, namespace: "/n", id: 4, data: [["_placeholder": true, "num": 1]], attachmentCount: 2),
        ]
        for packet in packets {
            #expect(try decode(packet.encode()) == packet)
        }
    }
}
