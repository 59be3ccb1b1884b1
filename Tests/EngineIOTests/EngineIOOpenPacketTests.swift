import EngineIO
import Foundation
import Testing

@Suite("Engine.IO open packet")
struct EngineIOOpenPacketTests {
    @Test("the handshake JSON matches the spec's sample session byte for byte")
    func matchesSpec() {
        let open = EngineIOOpenPacket(sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 5000, maxPayload: 1_000_000)
        let expected = #"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#
        #expect(open.jsonText == expected)
        #expect(open.packet.webSocketText() == "0" + expected)
    }

    @Test("no upgrades is an empty list, and strings are escaped")
    func emptyUpgradesAndEscaping() {
        let open = EngineIOOpenPacket(sid: "a\"b\\c\u{01}", upgrades: [], pingInterval: 1, pingTimeout: 2, maxPayload: 3)
        #expect(open.jsonText == #"{"sid":"a\"b\\c\u0001","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":3}"#)
    }

    @Test("the Encodable form carries the same fields")
    func encodable() throws {
        let open = EngineIOOpenPacket(sid: "abc", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 100)
        let data = try JSONEncoder().encode(open)
        let fields = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(fields?["sid"] as? String == "abc")
        #expect(fields?["upgrades"] as? [String] == ["websocket"])
        #expect(fields?["pingInterval"] as? Int == 25000)
        #expect(fields?["pingTimeout"] as? Int == 20000)
        #expect(fields?["maxPayload"] as? Int == 100)
    }
}
