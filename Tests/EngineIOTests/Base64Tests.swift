@testable import EngineIO
import NIOCore
import Testing

@Suite("Base64")
struct Base64Tests {
    @Test("RFC 4648 test vectors encode and decode", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfcVectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("every byte value and every length up to 70 round-trips")
    func roundTrips() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(text.utf8.count == Base64.encodedCount(forByteCount: length))
            #expect(Base64.decode(text) == bytes)
        }
        let all = Array(UInt8(0)...UInt8(255))
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    @Test("the alphabet's last characters are + and /")
    func standardAlphabet() {
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.decode("+/8=") == [0xFB, 0xFF])
    }

    @Test("invalid input is rejected", arguments: [
        "Zg",  // missing padding
        "Zg=",  // short padding
        "Zm9vY",  // length not a multiple of four
        "Zg==Zg==",  // padding in the middle
        "Z===",  // too much padding
        "====",
        "Zm9v\n",  // whitespace
        "Zm 9",
        "Zm9-",  // URL-safe alphabet is not this one
        "Zm9_",
        "Zh==",  // non-zero bits under the padding
        "Zm9=",
        "Zm9vYh==",
        "Zm9é",
    ])
    func rejectsInvalid(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("a failed decode leaves the buffer as it was")
    func failedDecodeLeavesBuffer() {
        var buffer = ByteBuffer(string: "keep")
        let ok = Array("Zm9v!!!!".utf8).withUnsafeBytes { Base64.decode($0, into: &buffer) }
        #expect(!ok)
        #expect(String(buffer: buffer) == "keep")
    }

    @Test("encoding into a buffer appends")
    func encodeAppends() {
        var buffer = ByteBuffer(string: "b")
        Base64.encode(ByteBuffer(bytes: [1, 2, 3, 4]).readableBytesView, into: &buffer)
        #expect(String(buffer: buffer) == "bAQIDBA==")
    }
}
