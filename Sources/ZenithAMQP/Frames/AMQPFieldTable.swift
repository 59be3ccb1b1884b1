import NIOCore

/// An AMQP field table (§4.2.5.5): the arguments of declares, binds and consumes, the server's
/// properties and capabilities, a message's headers. Entries keep the order they came in (and a
/// repeated key, which the wire allows; `subscript` finds the first).
public struct AMQPFieldTable: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// One key and its value.
    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: AMQPFieldValue

        public init(key: String, value: AMQPFieldValue) {
            self.key = key
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        self.entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    /// The first value under `key`.
    public subscript(key: String) -> AMQPFieldValue? {
        entries.first { $0.key == key }?.value
    }

    public var isEmpty: Bool { entries.isEmpty }
}

/// A value in a field table or field array, with the type tags RabbitMQ reads and writes (its
/// errata to §4.2.5.5: `t b B s u I i l f d D S A T F V x`; the spec's own `U`, `L` and `s`-as-string
/// tags are not used by RabbitMQ and are refused).
public indirect enum AMQPFieldValue: Equatable, Sendable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    /// `value` × 10^-`scale`.
    case decimal(scale: UInt8, value: UInt32)
    case longString(String)
    case array([AMQPFieldValue])
    /// Seconds since the epoch.
    case timestamp(UInt64)
    case table(AMQPFieldTable)
    case void
    case bytes([UInt8])
}

/// Reading and writing tables. Every length is checked against the bytes actually there (so a
/// table can be no larger than its frame, which frame_max bounds), and nesting is bounded.
extension AMQPFieldTable {
    /// Tables and arrays nested deeper than this are refused (RabbitMQ sends 2 levels: the
    /// server properties' `capabilities`).
    static let maximumDepth = 16

    /// Reads a table: a 32-bit byte length, then key/value pairs filling exactly that length.
    static func read(from buffer: inout ByteBuffer, depth: Int = 0) throws(AMQPProtocolError) -> AMQPFieldTable {
        var body = try buffer.readAMQPLongBytes()
        guard depth < maximumDepth else { throw .syntax("field table nested too deep") }
        var entries: [Entry] = []
        while body.readableBytes > 0 {
            let key = try body.readAMQPShortString()
            let value = try AMQPFieldValue.read(from: &body, depth: depth + 1)
            entries.append(Entry(key: key, value: value))
        }
        return AMQPFieldTable(entries)
    }

    /// Writes the table with its length prefix.
    func write(into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        for entry in entries {
            buffer.writeAMQPShortString(entry.key)
            entry.value.write(into: &buffer)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
    }
}

extension AMQPFieldValue {
    static func read(from buffer: inout ByteBuffer, depth: Int) throws(AMQPProtocolError) -> AMQPFieldValue {
        let tag = try buffer.readAMQPOctet()
        switch tag {
        case UInt8(ascii: "t"): return .bool(try buffer.readAMQPOctet() != 0)
        case UInt8(ascii: "b"): return .int8(Int8(bitPattern: try buffer.readAMQPOctet()))
        case UInt8(ascii: "B"): return .uint8(try buffer.readAMQPOctet())
        case UInt8(ascii: "s"): return .int16(Int16(bitPattern: try buffer.readAMQPShort()))
        case UInt8(ascii: "u"): return .uint16(try buffer.readAMQPShort())
        case UInt8(ascii: "I"): return .int32(Int32(bitPattern: try buffer.readAMQPLong()))
        case UInt8(ascii: "i"): return .uint32(try buffer.readAMQPLong())
        case UInt8(ascii: "l"): return .int64(Int64(bitPattern: try buffer.readAMQPLongLong()))
        case UInt8(ascii: "f"): return .float(Float(bitPattern: try buffer.readAMQPLong()))
        case UInt8(ascii: "d"): return .double(Double(bitPattern: try buffer.readAMQPLongLong()))
        case UInt8(ascii: "D"):
            let scale = try buffer.readAMQPOctet()
            return .decimal(scale: scale, value: try buffer.readAMQPLong())
        case UInt8(ascii: "S"): return .longString(try buffer.readAMQPLongString())
        case UInt8(ascii: "x"): return .bytes(Array(try buffer.readAMQPLongBytes().readableBytesView))
        case UInt8(ascii: "T"): return .timestamp(try buffer.readAMQPLongLong())
        case UInt8(ascii: "V"): return .void
        case UInt8(ascii: "F"): return .table(try AMQPFieldTable.read(from: &buffer, depth: depth))
        case UInt8(ascii: "A"):
            var body = try buffer.readAMQPLongBytes()
            guard depth < AMQPFieldTable.maximumDepth else { throw .syntax("field array nested too deep") }
            var values: [AMQPFieldValue] = []
            while body.readableBytes > 0 {
                values.append(try read(from: &body, depth: depth + 1))
            }
            return .array(values)
        default:
            throw .syntax("unknown field value type 0x\(String(tag, radix: 16))")
        }
    }

    func write(into buffer: inout ByteBuffer) {
        func tag(_ character: Unicode.Scalar) { buffer.writeInteger(UInt8(ascii: character)) }
        switch self {
        case .bool(let value): tag("t"); buffer.writeInteger(UInt8(value ? 1 : 0))
        case .int8(let value): tag("b"); buffer.writeInteger(value)
        case .uint8(let value): tag("B"); buffer.writeInteger(value)
        case .int16(let value): tag("s"); buffer.writeInteger(value)
        case .uint16(let value): tag("u"); buffer.writeInteger(value)
        case .int32(let value): tag("I"); buffer.writeInteger(value)
        case .uint32(let value): tag("i"); buffer.writeInteger(value)
        case .int64(let value): tag("l"); buffer.writeInteger(value)
        case .float(let value): tag("f"); buffer.writeInteger(value.bitPattern)
        case .double(let value): tag("d"); buffer.writeInteger(value.bitPattern)
        case .decimal(let scale, let value): tag("D"); buffer.writeInteger(scale); buffer.writeInteger(value)
        case .longString(let value): tag("S"); buffer.writeAMQPLongString(value)
        case .bytes(let value): tag("x"); buffer.writeInteger(UInt32(value.count)); buffer.writeBytes(value)
        case .timestamp(let value): tag("T"); buffer.writeInteger(value)
        case .void: tag("V")
        case .table(let table): tag("F"); table.write(into: &buffer)
        case .array(let values):
            tag("A")
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(UInt32(0))
            for value in values { value.write(into: &buffer) }
            buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
        }
    }
}
