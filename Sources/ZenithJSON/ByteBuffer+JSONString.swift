import NIOCore
import ZenithText

extension ByteBuffer {
    /// Writes `string` as a JSON string literal the way `JSON.stringify` does: quotes, backslash
    /// and control characters escaped, everything else verbatim, runs of plain bytes in one
    /// write. Shared by ``JSONSerializer`` and Engine.IO's open packet.
    package mutating func writeJSONString(_ string: String) {
        self.writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for position in 0..<bytes.count {
                let byte = bytes[position]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < position {
                    self.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                }
                runStart = position + 1
                self.writeInteger(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): self.writeInteger(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): self.writeInteger(UInt8(ascii: "\\"))
                case 0x08: self.writeInteger(UInt8(ascii: "b"))
                case 0x0C: self.writeInteger(UInt8(ascii: "f"))
                case 0x0A: self.writeInteger(UInt8(ascii: "n"))
                case 0x0D: self.writeInteger(UInt8(ascii: "r"))
                case 0x09: self.writeInteger(UInt8(ascii: "t"))
                default:
                    self.writeStaticString("u00")
                    self.writeInteger(UInt8.lowercaseHexDigit(byte >> 4))
                    self.writeInteger(UInt8.lowercaseHexDigit(byte & 0x0F))
                }
            }
            if runStart < bytes.count {
                self.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
        }
        self.writeInteger(UInt8(ascii: "\""))
    }
}
