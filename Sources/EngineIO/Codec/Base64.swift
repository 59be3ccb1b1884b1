import NIOCore

/// Standard base64 (RFC 4648 §4, `+` `/`, padded), as Engine.IO v4 polling payloads carry binary
/// messages.
///
/// Hand-written so the codec needs nothing beyond NIOCore. Decoding is strict: a character
/// outside the alphabet, a length that is not a multiple of four, misplaced or missing padding,
/// and non-zero bits under the padding are all rejected, so every input has one meaning.
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Sextet value of each byte, 0xFF for bytes outside the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// Bytes needed to hold the base64 text of `count` bytes.
    static func encodedCount(forByteCount count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Upper bound of the bytes that `count` characters of base64 decode to.
    static func decodedCapacity(forEncodedCount count: Int) -> Int { count / 4 * 3 }

    /// Appends the base64 text of `bytes` to `buffer`.
    static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes, into buffer: inout ByteBuffer) {
        let outCount = encodedCount(forByteCount: bytes.count)
        guard outCount > 0 else { return }
        let written = bytes.withContiguousStorageIfAvailable { input in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: outCount) { output in
                encode(UnsafeRawBufferPointer(input), into: output)
            }
        }
        if written == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { input in
                _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: outCount) { output in
                    encode(input, into: output)
                }
            }
        }
    }

    /// The base64 text of `bytes` as a String.
    static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var buffer = ByteBufferAllocator().buffer(capacity: encodedCount(forByteCount: bytes.count))
        encode(bytes, into: &buffer)
        return String(buffer: buffer)
    }

    /// Encodes `input` into the start of `output` (which has room) and returns the count written.
    private static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        alphabet.withUnsafeBufferPointer { table in
            var i = 0
            var o = 0
            let fullEnd = input.count - input.count % 3
            while i < fullEnd {
                let chunk = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                output[o] = table[Int(chunk >> 18)]
                output[o + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[o + 2] = table[Int(chunk >> 6 & 0x3F)]
                output[o + 3] = table[Int(chunk & 0x3F)]
                i += 3
                o += 4
            }
            switch input.count - fullEnd {
            case 1:
                let chunk = UInt32(input[i]) << 16
                output[o] = table[Int(chunk >> 18)]
                output[o + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[o + 2] = UInt8(ascii: "=")
                output[o + 3] = UInt8(ascii: "=")
                o += 4
            case 2:
                let chunk = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
                output[o] = table[Int(chunk >> 18)]
                output[o + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[o + 2] = table[Int(chunk >> 6 & 0x3F)]
                output[o + 3] = UInt8(ascii: "=")
                o += 4
            default:
                break
            }
            return o
        }
    }

    /// Decodes the base64 text `input`, appending the bytes to `buffer`; returns false (and
    /// leaves `buffer`'s writer index where it was) when the text is not strictly valid.
    static func decode(_ input: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) -> Bool {
        let count = input.count
        guard count % 4 == 0 else { return false }
        guard count > 0 else { return true }
        var padding = 0
        if input[count - 1] == UInt8(ascii: "=") {
            padding = input[count - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        let outCount = count / 4 * 3 - padding
        let before = buffer.writerIndex
        var valid = true
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: outCount) { output in
            decodeTable.withUnsafeBufferPointer { table in
                var i = 0
                var o = 0
                let fullEnd = padding == 0 ? count : count - 4
                var bad: UInt8 = 0
                while i < fullEnd {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    let c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                    // 0xFF marks an invalid byte; OR-ing keeps the check out of the hot loop.
                    bad |= a | b | c | d
                    let chunk = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    output[o] = UInt8(truncatingIfNeeded: chunk >> 16)
                    output[o + 1] = UInt8(truncatingIfNeeded: chunk >> 8)
                    output[o + 2] = UInt8(truncatingIfNeeded: chunk)
                    i += 4
                    o += 3
                }
                guard bad & 0xC0 == 0 else {
                    valid = false
                    return 0
                }
                if padding > 0 {
                    let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                    if padding == 2 {
                        // "xx==": one byte, and the low four bits of the second sextet must be zero.
                        guard a < 64, b < 64, b & 0x0F == 0 else {
                            valid = false
                            return 0
                        }
                        output[o] = a << 2 | b >> 4
                        o += 1
                    } else {
                        let c = table[Int(input[i + 2])]
                        // "xxx=": two bytes, and the low two bits of the third sextet must be zero.
                        guard a < 64, b < 64, c < 64, c & 0x03 == 0 else {
                            valid = false
                            return 0
                        }
                        output[o] = a << 2 | b >> 4
                        output[o + 1] = (b & 0x0F) << 4 | c >> 2
                        o += 2
                    }
                }
                return o
            }
        }
        if !valid { buffer.moveWriterIndex(to: before) }
        return valid
    }

    /// Decodes base64 text to bytes, or nil when it is not strictly valid.
    static func decode(_ text: String) -> [UInt8]? {
        var buffer = ByteBufferAllocator().buffer(capacity: decodedCapacity(forEncodedCount: text.utf8.count))
        var text = text
        let ok = text.withUTF8 { decode(UnsafeRawBufferPointer($0), into: &buffer) }
        return ok ? Array(buffer.readableBytesView) : nil
    }
}
