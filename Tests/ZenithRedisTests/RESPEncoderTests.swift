import NIOCore
import Testing

@testable import ZenithRedis

@Suite("RESP2 command and value encoding")
struct RESPEncoderTests {
    @Test("a command is an array of bulk strings, byte for byte")
    func commandBytes() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand(RESPCommand("SET", "key", "välue"))
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n")

        buffer.clear()
        let payload = ByteBuffer(bytes: Array(repeating: 0x0D, count: 12))
        buffer.writeRESPCommand(RESPCommand(arguments: [.text("PUBLISH"), .text(""), .bytes(payload)]))
        #expect(Array(buffer.readableBytesView) == Array("*3\r\n$7\r\nPUBLISH\r\n$0\r\n\r\n$12\r\n".utf8) + Array(repeating: 0x0D, count: 12) + [13, 10])
    }

    @Test("every value encodes as a server would send it, and decodes back")
    func valueRoundTrip() throws {
        let values: [RESPValue] = [
            .simpleString("OK"), .error("ERR x"), .integer(0), .integer(.min), .integer(.max), .bulkString(nil),
            .bulkString(ByteBuffer(string: "a\r\n")), .array(nil), .array([]),
            .array([.integer(10), .array([.bulkString(ByteBuffer(string: "")), .simpleString("")])]),
        ]
        var buffer = ByteBuffer()
        for value in values { buffer.writeRESPValue(value) }
        #expect(String(buffer: buffer).hasPrefix("+OK\r\n-ERR x\r\n:0\r\n:-9223372036854775808\r\n:9223372036854775807\r\n$-1\r\n$3\r\na\r\n\r\n*-1\r\n*0\r\n*2\r\n:10\r\n"))
        #expect(try RESPReplyDecoder.decodeAll(&buffer) == values)
    }
}
