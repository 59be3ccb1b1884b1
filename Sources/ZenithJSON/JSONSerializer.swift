import NIOCore

/// Compact JSON output for ``JSONValue``, written straight into a `ByteBuffer`: what
/// `JSON.stringify` writes (no spaces; only `"`, `\` and control characters escaped).
///
/// Broadcasts serialize a packet once and share the bytes, so this is on the hot path: plain
/// strings are copied in one write, integers are written digit by digit without a String.
package enum JSONSerializer {
    static func write(_ value: JSONValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null, .binary:
            buffer.writeStaticString("null")
        case .bool(let flag):
            buffer.writeStaticString(flag ? "true" : "false")
        case .int(let integer):
            writeInteger(integer, into: &buffer)
        case .double(let number):
            writeDouble(number, into: &buffer)
        case .string(let string):
            buffer.writeJSONString(string)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let object):
            buffer.writeInteger(UInt8(ascii: "{"))
            for position in object.indices {
                if position > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                buffer.writeJSONString(object.keys[position])
                buffer.writeInteger(UInt8(ascii: ":"))
                write(object.values[position], into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// Writes `value` in decimal; also the attachment counts and ids of Socket.IO packets.
    package static func writeInteger(_ value: Int64, into buffer: inout ByteBuffer) {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var position = scratch.count
            repeat {
                position -= 1
                scratch[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "-")
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[position...]))
        }
    }

    static func writeDouble(_ value: Double, into buffer: inout ByteBuffer) {
        guard value.isFinite else {
            // JSON has no NaN or infinity; JSON.stringify writes null.
            buffer.writeStaticString("null")
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            // Integral: "3", not Swift's "3.0" (as JSON.stringify does).
            writeInteger(Int64(value), into: &buffer)
            return
        }
        // Swift's description is the shortest text that reads back to the same Double, and is
        // valid JSON for finite values ("0.1", "1e-07", "1.5e+300").
        buffer.writeString(value.description)
    }
}

extension JSONValue {
    /// Appends the compact JSON text of this value to `buffer` (`binary` is written as `null`).
    public func write(into buffer: inout ByteBuffer) {
        JSONSerializer.write(self, into: &buffer)
    }

    /// The compact JSON text of this value (`binary` is written as `null`).
    public var jsonText: String {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        write(into: &buffer)
        return String(buffer: buffer)
    }
}
