import NIOCore
import ZenithJSON

/// Writes a ``JSONValue`` as MessagePack in the smallest form of every value, as notepack.io
/// (`@socket.io/redis-emitter`'s encoder) does: positive and negative fixints, then the
/// narrowest int or uint, float64 for every non-integral number, str8/16/32 and array and map
/// headers by length, bin for `.binary`.
///
/// Zenith does not publish in the emitter format yet; this is the inverse ``MessagePackDecoder``
/// is checked against (the tests' messages built from the documented layout, the fuzz harness's
/// round trip).
enum MessagePackEncoder {
    static func encode(_ value: JSONValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        write(value, into: &buffer)
        return buffer
    }

    static func write(_ value: JSONValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeInteger(UInt8(0xc0))
        case .bool(let flag): buffer.writeInteger(UInt8(flag ? 0xc3 : 0xc2))
        case .int(let number): writeInteger(number, into: &buffer)
        case .double(let number):
            buffer.writeInteger(UInt8(0xcb))
            buffer.writeInteger(number.bitPattern)
        case .string(let text):
            let length = text.utf8.count
            writeHeader(length, fix: (0xa0, 32), eight: 0xd9, sixteen: 0xda, thirtyTwo: 0xdb, into: &buffer)
            buffer.writeString(text)
        case .array(let items):
            writeHeader(items.count, fix: (0x90, 16), eight: nil, sixteen: 0xdc, thirtyTwo: 0xdd, into: &buffer)
            for item in items { write(item, into: &buffer) }
        case .object(let object):
            writeHeader(object.count, fix: (0x80, 16), eight: nil, sixteen: 0xde, thirtyTwo: 0xdf, into: &buffer)
            for (key, member) in object {
                write(.string(key), into: &buffer)
                write(member, into: &buffer)
            }
        case .binary(let bytes):
            writeHeader(bytes.readableBytes, fix: nil, eight: 0xc4, sixteen: 0xc5, thirtyTwo: 0xc6, into: &buffer)
            buffer.writeImmutableBuffer(bytes)
        }
    }

    private static func writeInteger(_ number: Int64, into buffer: inout ByteBuffer) {
        switch number {
        case 0...0x7f: buffer.writeInteger(UInt8(number))
        case -32 ..< 0: buffer.writeInteger(Int8(number))
        case 0x80...0xff: buffer.writeInteger(UInt8(0xcc)); buffer.writeInteger(UInt8(number))
        case 0x100...0xffff: buffer.writeInteger(UInt8(0xcd)); buffer.writeInteger(UInt16(number))
        case 0x10000...0xffff_ffff: buffer.writeInteger(UInt8(0xce)); buffer.writeInteger(UInt32(number))
        case 0x1_0000_0000...: buffer.writeInteger(UInt8(0xcf)); buffer.writeInteger(UInt64(number))
        case -0x80 ..< -32: buffer.writeInteger(UInt8(0xd0)); buffer.writeInteger(Int8(number))
        case -0x8000 ..< -0x80: buffer.writeInteger(UInt8(0xd1)); buffer.writeInteger(Int16(number))
        case -0x8000_0000 ..< -0x8000: buffer.writeInteger(UInt8(0xd2)); buffer.writeInteger(Int32(number))
        default: buffer.writeInteger(UInt8(0xd3)); buffer.writeInteger(number)
        }
    }

    /// The header of a str, bin, array or map of `count` (bytes or elements): the fix form
    /// (`tag | count` below `limit`) where the type has one, else 8, 16 or 32 bits of count.
    private static func writeHeader(
        _ count: Int, fix: (tag: UInt8, limit: Int)?, eight: UInt8?, sixteen: UInt8, thirtyTwo: UInt8, into buffer: inout ByteBuffer
    ) {
        if let fix, count < fix.limit {
            buffer.writeInteger(fix.tag | UInt8(count))
        } else if let eight, count < 0x100 {
            buffer.writeInteger(eight)
            buffer.writeInteger(UInt8(count))
        } else if count < 0x10000 {
            buffer.writeInteger(sixteen)
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(thirtyTwo)
            buffer.writeInteger(UInt32(count))
        }
    }
}
