import NIOCore

/// One Engine.IO packet already encoded for the wire: the text form including its type digit
/// (`4hello`, `2`, `3probe`) or a binary message's raw bytes. A broadcast encodes its frame once
/// and hands the same bytes to every recipient.
public enum EngineIOFrame: Sendable {
    case text(ByteBuffer)
    case binary(ByteBuffer)

    /// A `message` packet carrying `text`.
    public static func message(_ text: String) -> EngineIOFrame {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(text.utf8.count + 1)
        buffer.writeInteger(UInt8(ascii: "4"))
        buffer.writeString(text)
        return .text(buffer)
    }

    /// The wire form of a decoded packet.
    public init(_ packet: EngineIOPacket) {
        if case .binaryMessage(let bytes) = packet {
            self = .binary(bytes)
            return
        }
        var text = ByteBuffer()
        _ = packet.writeWebSocketText(into: &text)
        self = .text(text)
    }

    static func control(_ type: EngineIOPacketType, _ payload: String = "") -> EngineIOFrame {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(ascii: "0") + type.rawValue)
        buffer.writeString(payload)
        return .text(buffer)
    }

    public var byteCount: Int {
        switch self {
        case .text(let buffer), .binary(let buffer): buffer.readableBytes
        }
    }

    /// Appends the frame in the polling payload form (`b`+base64 for binary).
    func writePolling(into output: inout ByteBuffer) {
        switch self {
        case .text(var buffer):
            output.writeBuffer(&buffer)
        case .binary(let buffer):
            output.writeInteger(UInt8(ascii: "b"))
            Base64.encode(buffer.readableBytesView, into: &output)
        }
    }
}
