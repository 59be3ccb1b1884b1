import EngineIO
import NIOCore
import SocketIO
import Testing
import ZenithJSON

/// Random and mutated inputs: every decoder must answer with a value or an error, never trap.
@Suite("Malformed input never crashes")
struct MalformedInputTests {
    private struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    private static let seeds = [
        #"51-/admin,14["baz",{"_placeholder":true,"num":0}]"#,
        #"2/chat,7["msg",{"a":[1,-2.5e3,"\ud83d\ude00",null,true]}]"#,
        #"0{"token":"123"}"#, "4{\"message\":\"x\"}", "312[]", "1/admin,",
    ]

    @Test("random mutations of valid Socket.IO packets decode or throw")
    func mutatedSocketIOPackets() {
        var generator = Xorshift(state: 0x9E37_79B9_7F4A_7C15)
        let alphabet = Array(#"0123456789-/,[]{}":.eE+\ubtrufalsn"#.utf8) + [0x20, 0x1E, 0x00, 0xC3, 0xA9]
        for _ in 0..<20_000 {
            var bytes = Array(Self.seeds.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where position < bytes.count: bytes.remove(at: position)
                case 1 where position < bytes.count: bytes[position] = alphabet.randomElement(using: &generator)!
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let packet = try? SocketIOPacket.decode(text, maxAttachments: 10) {
                // Whatever decodes must encode to something that decodes to the same packet.
                #expect((try? SocketIOPacket.decode(packet.encode(), maxAttachments: 10)) == packet)
                var assembler = SocketIOBinaryAssembler()
                _ = try? assembler.receive(packet)
                for _ in 0..<packet.attachmentCount { _ = try? assembler.receive(attachment: ByteBuffer(bytes: [1])) }
            }
        }
    }

    @Test("random bytes as JSON, Engine.IO payloads and WebSocket frames decode or throw")
    func randomBytes() {
        var generator = Xorshift(state: 0xDEAD_BEEF_CAFE_F00D)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...24, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let buffer = ByteBuffer(bytes: bytes)
            _ = try? JSONValue(parsing: buffer)
            _ = try? EngineIOPayload.decode(buffer, maxPackets: 4)
            _ = try? EngineIOPacket.decode(webSocketText: buffer)
        }
    }

    @Test("JSON parse then serialize then parse is stable for mutated documents")
    func jsonStability() {
        var generator = Xorshift(state: 42)
        let seed = Array(#"{"a":[1,2.5,-0,1e2,"x\n\u00e9",{"b":null}],"c":true,"d":"\ud83d\ude00"}"#.utf8)
        let alphabet = Array(#"{}[]":,0123456789.eE+-\nutrfalse "#.utf8)
        for _ in 0..<20_000 {
            var bytes = seed
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            bytes[position] = alphabet.randomElement(using: &generator)!
            guard let value = try? JSONValue(parsing: ByteBuffer(bytes: bytes)) else { continue }
            #expect((try? JSONValue(parsing: value.jsonText)) == value)
        }
    }
}
