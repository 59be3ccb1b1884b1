import NIOCore
import ZenithJSON

/// A test-only MessagePack encoder that picks the smallest form of every value, as notepack.io
/// (the encoder of `@socket.io/redis-emitter`) does: the tests build emitter messages with it from
/// the documented layout and check the bytes against the fixtures made with msgpack-python.
enum MessagePackWriter {
    static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    static func buffer(_ value: JSONValue) -> ByteBuffer {
        ByteBuffer(bytes: bytes(value))
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(0xc0)
        case .bool(let flag): out.append(flag ? 0xc3 : 0xc2)
        case .int(let number): writeInteger(number, into: &out)
        case .double(let number): out.append(0xcb); append(number.bitPattern, to: &out)
        case .string(let text):
            let utf8 = Array(text.utf8)
            switch utf8.count {
            case ..<32: out.append(0xa0 | UInt8(utf8.count))
            case ..<0x100: out.append(0xd9); out.append(UInt8(utf8.count))
            case ..<0x10000: out.append(0xda); append(UInt16(utf8.count), to: &out)
            default: out.append(0xdb); append(UInt32(utf8.count), to: &out)
            }
            out += utf8
        case .array(let items):
            header(count: items.count, fix: 0x90, sixteen: 0xdc, thirtyTwo: 0xdd, into: &out)
            for item in items { write(item, into: &out) }
        case .object(let object):
            header(count: object.count, fix: 0x80, sixteen: 0xde, thirtyTwo: 0xdf, into: &out)
            for (key, member) in object {
                write(.string(key), into: &out)
                write(member, into: &out)
            }
        case .binary(let buffer):
            out.append(0xc4); out.append(UInt8(buffer.readableBytes))
            out += buffer.readableBytesView
        }
    }

    static func writeInteger(_ number: Int64, into out: inout [UInt8]) {
        switch number {
        case 0...0x7f: out.append(UInt8(number))
        case -32 ..< 0: out.append(UInt8(bitPattern: Int8(number)))
        case 0x80...0xff: out.append(0xcc); out.append(UInt8(number))
        case 0x100...0xffff: out.append(0xcd); append(UInt16(number), to: &out)
        case 0x10000...0xffff_ffff: out.append(0xce); append(UInt32(number), to: &out)
        case 0x1_0000_0000...: out.append(0xcf); append(UInt64(number), to: &out)
        case -0x80 ..< -32: out.append(0xd0); out.append(UInt8(bitPattern: Int8(number)))
        case -0x8000 ..< -0x80: out.append(0xd1); append(UInt16(bitPattern: Int16(number)), to: &out)
        case -0x8000_0000 ..< -0x8000: out.append(0xd2); append(UInt32(bitPattern: Int32(number)), to: &out)
        default: out.append(0xd3); append(UInt64(bitPattern: number), to: &out)
        }
    }

    private static func header(count: Int, fix: UInt8, sixteen: UInt8, thirtyTwo: UInt8, into out: inout [UInt8]) {
        switch count {
        case ..<16: out.append(fix | UInt8(count))
        case ..<0x10000: out.append(sixteen); append(UInt16(count), to: &out)
        default: out.append(thirtyTwo); append(UInt32(count), to: &out)
        }
    }

    static func append<Integer: FixedWidthInteger>(_ value: Integer, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out += $0 }
    }
}
