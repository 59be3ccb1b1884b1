import NIOCore

extension ByteBuffer {
    /// Appends a final, unmasked frame: the server-to-client form of RFC 6455 §5.2 (FIN and
    /// opcode, then a 7-bit length, or 126 and a 16-bit length, or 127 and a 64-bit length).
    mutating func writeWebSocketFrame(opcode: UInt8, payload: ByteBuffer) {
        self.writeInteger(0x80 | opcode)
        let length = payload.readableBytes
        switch length {
        case 0...125:
            self.writeInteger(UInt8(length))
        case 126...Int(UInt16.max):
            self.writeInteger(UInt8(126))
            self.writeInteger(UInt16(length))
        default:
            self.writeInteger(UInt8(127))
            self.writeInteger(UInt64(length))
        }
        var payload = payload
        self.writeBuffer(&payload)
    }
}
