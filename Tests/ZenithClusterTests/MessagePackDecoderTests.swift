import NIOCore
import Testing
import ZenithCluster
import ZenithJSON

@Suite struct MessagePackDecoderTests {
    let decoder = MessagePackDecoder(maxBytes: 1 << 20)

    func decode(_ bytes: [UInt8]) throws(MessagePackDecodingError) -> JSONValue {
        try decoder.decode(ByteBuffer(bytes: bytes))
    }

    @Test("nil and booleans decode to null, false and true")
    func nilAndBooleans() throws {
        #expect(try decode([0xc0]) == .null)
        #expect(try decode([0xc2]) == .bool(false))
        #expect(try decode([0xc3]) == .bool(true))
    }

    @Test("every integer width decodes to its value, signed ones with their sign", arguments: [
        ([0x00], 0), ([0x7f], 127), ([0xff], -1), ([0xe0], -32),
        ([0xcc, 0xff], 255), ([0xcd, 0x01, 0x00], 256), ([0xce, 0x00, 0x01, 0x00, 0x00], 65536),
        ([0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], 4_294_967_296),
        ([0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Int64.max),
        ([0xd0, 0x80], -128), ([0xd1, 0x80, 0x00], -32768), ([0xd2, 0x80, 0x00, 0x00, 0x00], -2_147_483_648),
        ([0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], Int64.min),
        ([0xcc, 0x05], 5), ([0xd0, 0x05], 5),
    ] as [([UInt8], Int64)])
    func integers(bytes: [UInt8], value: Int64) throws {
        #expect(try decode(bytes) == .int(value))
    }

    @Test("a uint64 above Int64.max decodes to the nearest double, as JavaScript reads it")
    func hugeUnsigned() throws {
        #expect(try decode([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) == .double(Double(UInt64.max)))
    }

    @Test("float32 and float64 decode to doubles; NaN and infinities to null, as JSON.stringify writes them")
    func floats() throws {
        #expect(try decode([0xca, 0x3f, 0xc0, 0x00, 0x00]) == .double(1.5))
        #expect(try decode([0xcb, 0xbf, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]) == .double(-0.25))
        #expect(try decode([0xcb, 0x7f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]) == .null)
        #expect(try decode([0xca, 0x7f, 0x80, 0x00, 0x00]) == .null)
        #expect(try decode([0xcb, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]) == .null)
    }

    @Test("strings decode in each of their four forms")
    func strings() throws {
        #expect(try decode([0xa0]) == .string(""))
        #expect(try decode([0xa3, 0x61, 0x62, 0x63]) == .string("abc"))
        #expect(try decode([0xd9, 0x02, 0xc3, 0xa9]) == .string("é"))
        #expect(try decode([0xda, 0x00, 0x01, 0x7a]) == .string("z"))
        #expect(try decode([0xdb, 0x00, 0x00, 0x00, 0x01, 0x7a]) == .string("z"))
        let long = String(repeating: "x", count: 70000)
        #expect(try decode(MessagePackWriter.bytes(.string(long))) == .string(long))
    }

    @Test("a string that is not UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: MessagePackDecodingError.invalidUTF8(at: 0)) { try decode([0xa2, 0xc3, 0x28]) }
        #expect(throws: MessagePackDecodingError.invalidUTF8(at: 1)) { try decode([0x81, 0xa1, 0xff, 0x00]) }
    }

    @Test("arrays decode in each of their three forms, nested")
    func arrays() throws {
        #expect(try decode([0x90]) == .array([]))
        #expect(try decode([0x92, 0x01, 0x91, 0xc0]) == .array([1, [nil]]))
        #expect(try decode([0xdc, 0x00, 0x01, 0x05]) == .array([5]))
        #expect(try decode([0xdd, 0x00, 0x00, 0x00, 0x02, 0xc3, 0xc2]) == .array([true, false]))
        let big = JSONValue.array((0..<70000).map { .int(Int64($0 % 100)) })
        #expect(try decode(MessagePackWriter.bytes(big)) == big)
    }

    @Test("maps with string keys decode to objects in order, in each of their three forms")
    func maps() throws {
        #expect(try decode([0x80]) == .object([:]))
        let object = try decode([0x82, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x92, 0xc0, 0xc3])
        #expect(object == .object(["b": 1, "a": [nil, true]]))
        #expect(object.objectValue?.keys == ["b", "a"])
        #expect(try decode([0xde, 0x00, 0x01, 0xa1, 0x6b, 0xa1, 0x76]) == .object(["k": "v"]))
        #expect(try decode([0xdf, 0x00, 0x00, 0x00, 0x01, 0xd9, 0x01, 0x6b, 0x00]) == .object(["k": 0]))
    }

    @Test("a repeated map key keeps its first position and its last value, small maps and large")
    func repeatedKeys() throws {
        let small = try decode([0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02, 0xa1, 0x61, 0x03])
        #expect(small.objectValue?.keys == ["a", "b"])
        #expect(small["a"] == .int(3))
        var bytes: [UInt8] = [0xde, 0x00, 20]
        for index in 0..<19 { bytes += [0xa2, 0x6b, 0x41 + UInt8(index), UInt8(index)] }
        bytes += [0xa2, 0x6b, 0x41, 0x63]
        let large = try decode(bytes)
        #expect(large.objectValue?.count == 19)
        #expect(large.objectValue?.keys.first == "kA")
        #expect(large["kA"] == .int(99))
    }

    @Test("a map key that is not a string is refused")
    func nonStringKey() {
        #expect(throws: MessagePackDecodingError.nonStringKey(at: 1)) { try decode([0x81, 0x01, 0x02]) }
        #expect(throws: MessagePackDecodingError.nonStringKey(at: 1)) { try decode([0x81, 0xc0, 0x02]) }
    }

    @Test("bin values are refused: binary attachments are not supported over Redis")
    func binary() {
        #expect(throws: MessagePackDecodingError.binary(at: 0)) { try decode([0xc4, 0x01, 0x00]) }
        #expect(throws: MessagePackDecodingError.binary(at: 1)) { try decode([0x91, 0xc5, 0x00, 0x01, 0x00]) }
        #expect(throws: MessagePackDecodingError.binary(at: 0)) { try decode([0xc6, 0x00, 0x00, 0x00, 0x00]) }
    }

    @Test("ext values are refused with their type, fixed and variable sizes alike")
    func extensions() {
        // notepack.io's Date: the timestamp extension, type -1.
        #expect(throws: MessagePackDecodingError.extensionType(-1, at: 0)) { try decode([0xd6, 0xff, 0x39, 0x45, 0x79, 0x80]) }
        #expect(throws: MessagePackDecodingError.extensionType(0, at: 0)) { try decode([0xd4, 0x00, 0x00]) }
        #expect(throws: MessagePackDecodingError.extensionType(5, at: 0)) { try decode([0xd5, 0x05, 0x00, 0x00]) }
        #expect(throws: MessagePackDecodingError.extensionType(5, at: 0)) { try decode([0xd7, 0x05] + [UInt8](repeating: 0, count: 8)) }
        #expect(throws: MessagePackDecodingError.extensionType(5, at: 0)) { try decode([0xd8, 0x05] + [UInt8](repeating: 0, count: 16)) }
        #expect(throws: MessagePackDecodingError.extensionType(7, at: 0)) { try decode([0xc7, 0x01, 0x07, 0x00]) }
        #expect(throws: MessagePackDecodingError.extensionType(7, at: 0)) { try decode([0xc8, 0x00, 0x01, 0x07, 0x00]) }
        #expect(throws: MessagePackDecodingError.extensionType(7, at: 0)) { try decode([0xc9, 0x00, 0x00, 0x00, 0x01, 0x07, 0x00]) }
    }

    @Test("the never-used byte 0xc1 is refused")
    func neverUsed() {
        #expect(throws: MessagePackDecodingError.neverUsedByte(at: 0)) { try decode([0xc1]) }
    }

    @Test("bytes after the value are refused")
    func trailingBytes() {
        #expect(throws: MessagePackDecodingError.trailingBytes(count: 2, at: 1)) { try decode([0xc0, 0x01, 0x02]) }
    }

    @Test("an empty body is truncated")
    func empty() {
        #expect(throws: MessagePackDecodingError.truncated(at: 0)) { try decode([]) }
    }

    @Test("every strict prefix of a message of every type is refused, never decoded nor trapped")
    func truncatedAtEveryByte() throws {
        let message: JSONValue = [
            "emitter",
            ["type": 2, "data": ["update", 1, -1, 200, -200, 70000, -70000, 5_000_000_000, -5_000_000_000, 1.5, nil, true,
                                  .string(String(repeating: "s", count: 40)), .string(String(repeating: "t", count: 300))],
             "nsp": "/"],
            ["rooms": ["a", "b"], "flags": [:], "except": []],
        ]
        let bytes = MessagePackWriter.bytes(message)
        #expect(try decode(bytes) == message)
        for length in 0..<bytes.count {
            do {
                _ = try decode(Array(bytes[..<length]))
                Issue.record("a prefix of \(length) bytes decoded")
            } catch {
                switch error {
                case .truncated, .countExceedsInput: break
                default: Issue.record("a prefix of \(length) bytes: \(error)")
                }
            }
        }
        // Every fixed-width header cut short too.
        for tag: UInt8 in [0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
                           0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8] {
            #expect(throws: MessagePackDecodingError.truncated(at: 0)) { try decode([tag]) }
        }
    }

    @Test("nesting deeper than the limit is refused, at the limit decoded")
    func depth() throws {
        let limited = MessagePackDecoder(maxBytes: 1 << 20, maxDepth: 32)
        let atLimit = [UInt8](repeating: 0x91, count: 31) + [0x90]
        #expect(throws: Never.self) { try limited.decode(ByteBuffer(bytes: atLimit)) }
        let tooDeep = [UInt8](repeating: 0x91, count: 32) + [0x90]
        #expect(throws: MessagePackDecodingError.tooDeep(limit: 32, at: 32)) { try limited.decode(ByteBuffer(bytes: tooDeep)) }
        let deepMaps = [UInt8](repeating: 0, count: 0) + Array(repeating: [0x81, 0xa1, 0x6b], count: 40).flatMap { $0 } + [0xc0]
        #expect(throws: MessagePackDecodingError.tooDeep(limit: 32, at: 96)) { try limited.decode(ByteBuffer(bytes: deepMaps)) }
        // A long run of array headers is refused at the limit, long before the stack is deep.
        #expect(throws: MessagePackDecodingError.self) { try limited.decode(ByteBuffer(repeating: 0x91, count: 100_000)) }
    }

    @Test("an array or map announcing more elements than the bytes left is refused before allocating")
    func countsBeyondInput() {
        #expect(throws: MessagePackDecodingError.countExceedsInput(count: 0xffff_ffff, at: 0)) {
            try decode([0xdd, 0xff, 0xff, 0xff, 0xff, 0x00])
        }
        #expect(throws: MessagePackDecodingError.countExceedsInput(count: 0xffff_ffff, at: 0)) {
            try decode([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0x00])
        }
        #expect(throws: MessagePackDecodingError.countExceedsInput(count: 3, at: 0)) { try decode([0x93, 0x01, 0x02]) }
        #expect(throws: MessagePackDecodingError.truncated(at: 0)) { try decode([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]) }
    }

    @Test("a body larger than the caller's limit is refused before it is read")
    func tooLarge() {
        let small = MessagePackDecoder(maxBytes: 4)
        #expect(throws: MessagePackDecodingError.tooLarge(size: 5, limit: 4)) {
            try small.decode(ByteBuffer(bytes: [0x94, 0x01, 0x02, 0x03, 0x04]))
        }
        #expect(throws: Never.self) { try small.decode(ByteBuffer(bytes: [0x93, 0x01, 0x02, 0x03])) }
    }

    @Test("the buffer's readable bytes are decoded, wherever they start, and the buffer is not moved")
    func readableBytesOnly() throws {
        var buffer = ByteBuffer(bytes: [0xff, 0xff, 0x92, 0x01, 0x02])
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try decoder.decode(buffer) == .array([1, 2]))
        #expect(buffer.readerIndex == 2)
    }

    @Test("errors name the offset and what is wrong, never the content")
    func descriptions() {
        #expect("\(MessagePackDecodingError.binary(at: 3))".contains("binary data is not supported"))
        #expect("\(MessagePackDecodingError.truncated(at: 9))" == "MessagePack body ends inside the value at byte 9")
        #expect("\(MessagePackDecodingError.extensionType(-1, at: 0))".contains("type -1"))
    }
}

@Suite struct MessagePackEncoderTests {
    @Test("every value the encoder writes decodes back to itself, each length at its form's edges")
    func roundTrip() throws {
        let decoder = MessagePackDecoder(maxBytes: 1 << 22)
        var values: [JSONValue] = [nil, true, false, 1.5, -0.25, .int(Int64.max), .int(Int64.min)]
        for edge: Int64 in [0, 0x7f, 0xff, 0xffff, 0xffff_ffff, 32, 0x80, 0x8000, 0x8000_0000] {
            values += [.int(edge), .int(edge + 1), .int(-edge), .int(-edge - 1)]
        }
        for length in [0, 15, 16, 31, 32, 255, 256, 65535, 65536] {
            values.append(.string(String(repeating: "s", count: length)))
            values.append(.array(Array(repeating: nil, count: length)))
            values.append(.object(JSONObject(uniqueKeys: (0..<length).map { "k\($0)" }, values: Array(repeating: 1, count: length))))
        }
        for value in values {
            #expect(try decoder.decode(MessagePackWriter.buffer(value)) == value)
        }
    }
}
