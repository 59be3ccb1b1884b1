import NIOCore
import Testing
@testable import ZenithAMQP

struct FieldTableTests {
    private func roundTrip(_ table: AMQPFieldTable) throws -> AMQPFieldTable {
        var buffer = ByteBuffer()
        table.write(into: &buffer)
        let decoded = try AMQPFieldTable.read(from: &buffer)
        #expect(buffer.readableBytes == 0)
        return decoded
    }

    @Test func `every value type RabbitMQ uses round-trips, nested in tables and arrays`() throws {
        let inner: AMQPFieldTable = ["deep": .array([.int8(-1), .table(["x": .void])])]
        let table: AMQPFieldTable = [
            "t": .bool(true), "b": .int8(-8), "B": .uint8(200), "s": .int16(-300), "u": .uint16(60_000),
            "I": .int32(-70_000), "i": .uint32(4_000_000_000), "l": .int64(-1 << 40), "f": .float(1.5), "d": .double(-2.25),
            "D": .decimal(scale: 2, value: 12_345), "S": .longString("é long"), "x": .bytes([0, 0xFF, 0xCE]),
            "T": .timestamp(1_700_000_000), "V": .void, "F": .table(inner),
            "A": .array([.longString("a"), .array([]), .table([:]), .bool(false)]),
        ]
        #expect(try roundTrip(table) == table)
    }

    @Test func `the wire tags are RabbitMQ's`() throws {
        var buffer = ByteBuffer(bytes: bytes(hex: "0000000f 0161 49 fffffffe 0162 73 0102 0163 56"))
        let table = try AMQPFieldTable.read(from: &buffer)
        #expect(table == ["a": .int32(-2), "b": .int16(258), "c": .void])
    }

    @Test func `lengths past the data, unknown tags and deep nesting are refused`() {
        let cases = [
            "00000010 0161 74 01",  // table length beyond the buffer
            "00000003 0161 7a",  // unknown tag 'z'
            "00000007 0161 53 000000ff",  // long string beyond the table
            "00000004 0561 62",  // key length beyond the table
            "00000006 0161 41 00000001",  // array length beyond the table
        ]
        for hex in cases {
            var buffer = ByteBuffer(bytes: bytes(hex: hex))
            #expect(throws: AMQPProtocolError.self, "\(hex)") { try AMQPFieldTable.read(from: &buffer) }
        }
        var nested: AMQPFieldTable = [:]
        for _ in 0..<20 { nested = ["n": .table(nested)] }
        var buffer = ByteBuffer()
        nested.write(into: &buffer)
        #expect(throws: AMQPProtocolError.self) { try AMQPFieldTable.read(from: &buffer) }
    }
}
