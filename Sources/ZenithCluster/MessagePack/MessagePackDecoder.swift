import NIOCore
import ZenithJSON

/// A small, bounded MessagePack decoder into ``JSONValue``, for the `@socket.io/redis-emitter`
/// messages that other processes publish on Redis (notepack.io's encoding of
/// `[uid, packet, opts]`).
///
/// Hand-written: no MessagePack package is available to this build, and only the JSON subset is
/// needed. nil, booleans, every integer width, float 32 and 64, str, array and map (string keys
/// only) are decoded; bin and ext are refused, since Socket.IO binary attachments (and notepack's
/// timestamp extension for `Date`) are not carried over this path. A non-finite float becomes
/// `null`, as `JSON.stringify` writes it for a Socket.IO client; an unsigned integer above
/// `Int64.max` becomes a double (JavaScript has no larger exact integers either). A repeated map
/// key keeps its first position and last value, like the decoded JavaScript object.
///
/// Bounds: the body's size (given by the caller), the nesting depth, and every array or map count
/// checked against the bytes left before anything is allocated for it.
public struct MessagePackDecoder: Sendable {
    /// Deepest nesting of arrays and maps.
    public var maxDepth: Int
    /// Largest body accepted, in bytes.
    public var maxBytes: Int

    public init(maxBytes: Int, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// The one value `buffer`'s readable bytes hold (the buffer is not moved).
    public func decode(_ buffer: ByteBuffer) throws(MessagePackDecodingError) -> JSONValue {
        guard buffer.readableBytes <= maxBytes else {
            throw .tooLarge(size: buffer.readableBytes, limit: maxBytes)
        }
        let result: Result<JSONValue, MessagePackDecodingError> = buffer.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes, maxDepth: maxDepth)
            do throws(MessagePackDecodingError) {
                let value = try reader.value(depth: 1)
                guard reader.index == bytes.count else {
                    throw .trailingBytes(count: bytes.count - reader.index, at: reader.index)
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// A cursor over the body's bytes, read in place.
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var remaining: Int { bytes.count - index }

    mutating func value(depth: Int) throws(MessagePackDecodingError) -> JSONValue {
        let start = index
        let tag = try read(UInt8.self, start: start)
        switch tag {
        case 0x00...0x7f: return .int(Int64(tag))
        case 0x80...0x8f: return try map(count: Int(tag & 0x0f), depth: depth, start: start)
        case 0x90...0x9f: return try array(count: Int(tag & 0x0f), depth: depth, start: start)
        case 0xa0...0xbf: return try string(length: Int(tag & 0x1f), start: start)
        case 0xc0: return .null
        case 0xc1: throw .neverUsedByte(at: start)
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4, 0xc5, 0xc6: throw .binary(at: start)
        case 0xc7: try skipExtension(length: Int(try read(UInt8.self, start: start)), start: start)
        case 0xc8: try skipExtension(length: Int(try read(UInt16.self, start: start)), start: start)
        case 0xc9: try skipExtension(length: Int(try read(UInt32.self, start: start)), start: start)
        case 0xca: return Self.number(Double(Float(bitPattern: try read(UInt32.self, start: start))))
        case 0xcb: return Self.number(Double(bitPattern: try read(UInt64.self, start: start)))
        case 0xcc: return .int(Int64(try read(UInt8.self, start: start)))
        case 0xcd: return .int(Int64(try read(UInt16.self, start: start)))
        case 0xce: return .int(Int64(try read(UInt32.self, start: start)))
        case 0xcf:
            let value = try read(UInt64.self, start: start)
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .double(Double(value))
        case 0xd0: return .int(Int64(Int8(bitPattern: try read(UInt8.self, start: start))))
        case 0xd1: return .int(Int64(Int16(bitPattern: try read(UInt16.self, start: start))))
        case 0xd2: return .int(Int64(Int32(bitPattern: try read(UInt32.self, start: start))))
        case 0xd3: return .int(Int64(bitPattern: try read(UInt64.self, start: start)))
        case 0xd4: try skipExtension(length: 1, start: start)
        case 0xd5: try skipExtension(length: 2, start: start)
        case 0xd6: try skipExtension(length: 4, start: start)
        case 0xd7: try skipExtension(length: 8, start: start)
        case 0xd8: try skipExtension(length: 16, start: start)
        case 0xd9: return try string(length: Int(try read(UInt8.self, start: start)), start: start)
        case 0xda: return try string(length: Int(try read(UInt16.self, start: start)), start: start)
        case 0xdb: return try string(length: Int(try read(UInt32.self, start: start)), start: start)
        case 0xdc: return try array(count: Int(try read(UInt16.self, start: start)), depth: depth, start: start)
        case 0xdd: return try array(count: Int(try read(UInt32.self, start: start)), depth: depth, start: start)
        case 0xde: return try map(count: Int(try read(UInt16.self, start: start)), depth: depth, start: start)
        case 0xdf: return try map(count: Int(try read(UInt32.self, start: start)), depth: depth, start: start)
        default: return .int(Int64(Int8(bitPattern: tag)))  // 0xe0...0xff: negative fixint
        }
    }

    /// A big-endian integer at the cursor; `start` is the value it belongs to, for the error.
    mutating func read<Integer: FixedWidthInteger>(_: Integer.Type, start: Int) throws(MessagePackDecodingError) -> Integer {
        let size = MemoryLayout<Integer>.size
        guard remaining >= size else { throw .truncated(at: start) }
        let value = bytes.loadUnaligned(fromByteOffset: index, as: Integer.self)
        index += size
        return Integer(bigEndian: value)
    }

    private static func number(_ value: Double) -> JSONValue {
        value.isFinite ? .double(value) : .null
    }

    /// Reads past an ext value's type byte and data only to name its type in the error.
    private mutating func skipExtension(length: Int, start: Int) throws(MessagePackDecodingError) -> Never {
        let type = Int8(bitPattern: try read(UInt8.self, start: start))
        guard remaining >= length else { throw .truncated(at: start) }
        throw .extensionType(type, at: start)
    }

    private mutating func string(length: Int, start: Int) throws(MessagePackDecodingError) -> JSONValue {
        .string(try rawString(length: length, start: start))
    }

    private mutating func rawString(length: Int, start: Int) throws(MessagePackDecodingError) -> String {
        guard remaining >= length else { throw .truncated(at: start) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + length)])
        guard let string = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8(at: start) }
        index += length
        return string
    }

    private mutating func array(count: Int, depth: Int, start: Int) throws(MessagePackDecodingError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth, at: start) }
        // Every element takes at least one byte.
        guard count <= remaining else { throw .countExceedsInput(count: UInt32(count), at: start) }
        var elements: [JSONValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try value(depth: depth + 1))
        }
        return .array(elements)
    }

    private mutating func map(count: Int, depth: Int, start: Int) throws(MessagePackDecodingError) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth, at: start) }
        // Every entry takes at least two bytes (a fixstr key and a fixint value).
        guard count <= remaining / 2 else { throw .countExceedsInput(count: UInt32(count), at: start) }
        var keys: [String] = []
        var values: [JSONValue] = []
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
        var positions: [String: Int] = [:]
        for _ in 0..<count {
            let key = try self.key()
            let member = try self.value(depth: depth + 1)
            guard let position = positions[key] else {
                positions[key] = keys.count
                keys.append(key)
                values.append(member)
                continue
            }
            values[position] = member  // a repeated key: its first position, its last value
        }
        return .object(JSONObject(uniqueKeys: keys, values: values))
    }

    private mutating func key() throws(MessagePackDecodingError) -> String {
        let start = index
        let tag = try read(UInt8.self, start: start)
        switch tag {
        case 0xa0...0xbf: return try rawString(length: Int(tag & 0x1f), start: start)
        case 0xd9: return try rawString(length: Int(try read(UInt8.self, start: start)), start: start)
        case 0xda: return try rawString(length: Int(try read(UInt16.self, start: start)), start: start)
        case 0xdb: return try rawString(length: Int(try read(UInt32.self, start: start)), start: start)
        default: throw .nonStringKey(at: start)
        }
    }
}
