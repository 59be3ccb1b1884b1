import NIOCore

/// One command to Redis, as its arguments (the command name first); sent as a RESP array of
/// bulk strings, the only form Redis reads from clients.
public struct RESPCommand: Sendable, Hashable {
    /// One argument: text (UTF-8) or bytes as they are.
    public enum Argument: Sendable, Hashable {
        case text(String)
        case bytes(ByteBuffer)
    }

    public var arguments: [Argument]

    /// `RESPCommand("SET", "key", "value")`.
    public init(_ name: String, _ arguments: String...) {
        self.arguments = [.text(name)] + arguments.map(Argument.text)
    }

    public init(arguments: [Argument]) {
        self.arguments = arguments
    }

    /// The command's name, upper-cased (for matching replies and errors; never its arguments,
    /// which may hold a password).
    public var name: String {
        switch arguments.first {
        case .text(let text): text.uppercased()
        case .bytes(let bytes): String(buffer: bytes).uppercased()
        case nil: ""
        }
    }
}

extension ByteBuffer {
    /// Appends `command` as `*N\r\n` and one `$len\r\n<bytes>\r\n` per argument.
    public mutating func writeRESPCommand(_ command: RESPCommand) {
        writeRESPHeader(UInt8(ascii: "*"), command.arguments.count)
        for argument in command.arguments {
            switch argument {
            case .text(let text):
                writeRESPHeader(UInt8(ascii: "$"), text.utf8.count)
                writeString(text)
            case .bytes(let bytes):
                writeRESPHeader(UInt8(ascii: "$"), bytes.readableBytes)
                writeImmutableBuffer(bytes)
            }
            writeRESPCRLF()
        }
    }

    /// Appends `value` in RESP2 (what a server would send; used by tests and the fuzz harness).
    /// Simple strings and errors are written as they are, so they must not hold CR or LF.
    public mutating func writeRESPValue(_ value: RESPValue) {
        switch value {
        case .simpleString(let text), .error(let text):
            writeInteger(value.isError ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            writeString(text)
            writeRESPCRLF()
        case .integer(let number):
            writeRESPHeader(UInt8(ascii: ":"), number)
        case .bulkString(nil):
            writeRESPHeader(UInt8(ascii: "$"), -1)
        case .bulkString(let bytes?):
            writeRESPHeader(UInt8(ascii: "$"), bytes.readableBytes)
            writeImmutableBuffer(bytes)
            writeRESPCRLF()
        case .array(nil):
            writeRESPHeader(UInt8(ascii: "*"), -1)
        case .array(let elements?):
            writeRESPHeader(UInt8(ascii: "*"), elements.count)
            for element in elements { writeRESPValue(element) }
        }
    }

    /// `<type><decimal>\r\n`, the digits written one by one (no String made for them).
    private mutating func writeRESPHeader(_ type: UInt8, _ number: some BinaryInteger) {
        writeInteger(type)
        if number < 0 { writeInteger(UInt8(ascii: "-")) }
        let magnitude = UInt64(number.magnitude)
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            writeInteger(UInt8(ascii: "0") + UInt8((magnitude / divisor) % 10))
            divisor /= 10
        }
        writeRESPCRLF()
    }

    private mutating func writeRESPCRLF() {
        writeInteger(UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n")))
    }
}

extension RESPValue {
    fileprivate var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
