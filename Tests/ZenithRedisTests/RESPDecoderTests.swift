import NIOCore
import NIOEmbedded
import Testing

@testable import ZenithRedis

/// The reply decoder on recorded bytes: every reply type, cut at every byte, and every bound.
@Suite("RESP2 reply decoding")
struct RESPDecoderTests {
    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static let recorded: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        (":1000\r\n", .integer(1000)),
        (":-42\r\n", .integer(-42)),
        (":-9223372036854775808\r\n", .integer(.min)),
        ("$5\r\nhello\r\n", .bulkString(bytes("hello"))),
        ("$0\r\n\r\n", .bulkString(bytes(""))),
        ("$4\r\na\r\nb\r\n", .bulkString(bytes("a\r\nb"))),
        ("$-1\r\n", .bulkString(nil)),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", .array([.bulkString(bytes("subscribe")), .bulkString(bytes("ch")), .integer(1)])),
        ("*2\r\n*2\r\n:1\r\n$-1\r\n*1\r\n*0\r\n", .array([.array([.integer(1), .bulkString(nil)]), .array([.array([])])])),
    ]

    /// All the recorded replies back to back, fed in two reads cut at `split`.
    @Test("every reply type decodes, wherever the bytes are cut")
    func everyReplyAtEverySplit() throws {
        let stream = Self.recorded.map(\.0).joined()
        let expected = Self.recorded.map(\.1)
        let all = Array(stream.utf8)
        for split in 0...all.count {
            var buffer = ByteBuffer(bytes: all[..<split])
            var values = try RESPReplyDecoder.decodeAll(&buffer)
            buffer.writeBytes(all[split...])
            values += try RESPReplyDecoder.decodeAll(&buffer)
            #expect(values == expected, "split at \(split)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("byte by byte through the channel handler, replies come out in order")
    func byteByByteThroughTheHandler() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        for byte in Self.recorded.map(\.0).joined().utf8 {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        var values: [RESPValue] = []
        while let value = try channel.readInbound(as: RESPValue.self) { values.append(value) }
        #expect(values == Self.recorded.map(\.1))
        _ = try channel.finish()
    }

    @Test("an incomplete reply waits and leaves the buffer as it was")
    func incompleteWaits() throws {
        var buffer = Self.bytes("*2\r\n$3\r\nabc\r\n$3\r\nde")
        #expect(try RESPReplyDecoder.decodeAll(&buffer) == [])
        #expect(buffer.readableBytes == 19)
    }

    static func decodingError(_ text: String, limits: RESPLimits = RESPLimits()) -> RESPDecodingError? {
        var buffer = bytes(text)
        do {
            _ = try RESPReplyDecoder.decodeAll(&buffer, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test("malformed replies are errors")
    func malformed() {
        #expect(Self.decodingError("?x\r\n") == .badTypeByte(UInt8(ascii: "?")))
        #expect(Self.decodingError(":12a\r\n") == .badNumber)
        #expect(Self.decodingError(":\r\n") == .badNumber)
        #expect(Self.decodingError(":-\r\n") == .badNumber)
        #expect(Self.decodingError(":9223372036854775808\r\n") == .badNumber)
        #expect(Self.decodingError("$-2\r\n") == .badLength(-2))
        #expect(Self.decodingError("$+3\r\nabc\r\n") == .badNumber)
        #expect(Self.decodingError("$3\r\nabcd\r\n") == .bulkNotTerminated)
        #expect(Self.decodingError("+OK\rX") == .badLineEnding)
        #expect(Self.decodingError("+O\nK\r\n") == .badLineEnding)
        #expect(Self.decodingError("*1\r\n!\r\n") == .badTypeByte(UInt8(ascii: "!")))
    }

    @Test("replies past the limits are errors")
    func bounds() {
        let small = RESPLimits(maxBulkLength: 4, maxArrayLength: 2, maxDepth: 2, maxLineLength: 8)
        #expect(Self.decodingError("$5\r\n", limits: small) == .bulkTooLong(5))
        #expect(Self.decodingError("$4\r\nabcd\r\n", limits: small) == nil)
        #expect(Self.decodingError("*3\r\n", limits: small) == .arrayTooLong(3))
        #expect(Self.decodingError("*1\r\n*1\r\n:1\r\n", limits: small) == nil)
        #expect(Self.decodingError("*1\r\n*1\r\n*1\r\n:1\r\n", limits: small) == .tooDeep)
        #expect(Self.decodingError("+123456789", limits: small) == .lineTooLong)
        #expect(Self.decodingError("+12345678", limits: small) == nil)
        #expect(Self.decodingError("$99999999999999999999\r\n") == .badNumber)
        #expect(Self.decodingError("*9223372036854775807\r\n") == .arrayTooLong(.max))
        // The default bounds hold against deep nesting without recursing far.
        #expect(Self.decodingError(String(repeating: "*1\r\n", count: 100_000)) == .tooDeep)
    }

    @Test("a malformed reply through the channel handler is an error, not a crash")
    func malformedThroughTheHandler() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        #expect(throws: RESPDecodingError.badTypeByte(UInt8(ascii: "x"))) {
            try channel.writeInbound(Self.bytes("+OK\r\nxyz"))
        }
        _ = try? channel.finish()
    }
}
