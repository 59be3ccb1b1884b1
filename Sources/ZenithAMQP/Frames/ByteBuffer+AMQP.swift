import NIOCore

/// The primitive types of AMQP 0-9-1 (§4.2.5): integers in network order, short strings (a
/// length octet) and long strings (a 32-bit length), each read refusing to go past the buffer.
extension ByteBuffer {
    mutating func readAMQPOctet() throws(AMQPProtocolError) -> UInt8 {
        guard let value = readInteger(as: UInt8.self) else { throw .syntax("truncated octet") }
        return value
    }

    mutating func readAMQPShort() throws(AMQPProtocolError) -> UInt16 {
        guard let value = readInteger(as: UInt16.self) else { throw .syntax("truncated short") }
        return value
    }

    mutating func readAMQPLong() throws(AMQPProtocolError) -> UInt32 {
        guard let value = readInteger(as: UInt32.self) else { throw .syntax("truncated long") }
        return value
    }

    mutating func readAMQPLongLong() throws(AMQPProtocolError) -> UInt64 {
        guard let value = readInteger(as: UInt64.self) else { throw .syntax("truncated long long") }
        return value
    }

    /// A short string: names, routing keys, consumer tags, table keys. AMQP says nothing of their
    /// encoding; RabbitMQ and oslo.messaging use UTF-8, and invalid UTF-8 is refused rather than
    /// repaired (a repaired name could be longer than 255 bytes and could not be written back).
    mutating func readAMQPShortString() throws(AMQPProtocolError) -> String {
        let length = try readAMQPOctet()
        guard let bytes = readSlice(length: Int(length)) else { throw .syntax("short string longer than its frame") }
        guard let string = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw .syntax("short string is not UTF-8")
        }
        return string
    }

    /// A long string's bytes (bounded by the frame they are in, which frame_max bounds).
    mutating func readAMQPLongBytes() throws(AMQPProtocolError) -> ByteBuffer {
        let length = try readAMQPLong()
        guard length <= readableBytes, let bytes = readSlice(length: Int(length)) else {
            throw .syntax("long string longer than its frame")
        }
        return bytes
    }

    mutating func readAMQPLongString() throws(AMQPProtocolError) -> String {
        let bytes = try readAMQPLongBytes()
        return String(decoding: bytes.readableBytesView, as: UTF8.self)
    }

    /// Writes a short string. Names from the caller are checked to fit when the configuration is
    /// made (`AMQPConsumerConfiguration`), so a longer one here is a programming error.
    mutating func writeAMQPShortString(_ string: String) {
        let utf8 = string.utf8
        precondition(utf8.count <= 255, "AMQP short string over 255 bytes")
        writeInteger(UInt8(utf8.count))
        writeBytes(utf8)
    }

    mutating func writeAMQPLongString(_ string: String) {
        writeInteger(UInt32(string.utf8.count))
        writeBytes(string.utf8)
    }

    mutating func writeAMQPLongBytes(_ bytes: ByteBuffer) {
        writeInteger(UInt32(bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }
}
