import NIOCore

extension EngineIOPacket {
    /// The text of the WebSocket text frame for this packet (`<type digit><data>`), or nil for a
    /// binary message, which goes out as a raw binary frame (its bytes as they are).
    public func webSocketText() -> String? {
        guard let data = textData else { return nil }
        var text = String(Character(Unicode.Scalar(type.asciiDigit)))
        text += data
        return text
    }

    /// Writes the WebSocket text frame's payload straight into `buffer`; returns false (writing
    /// nothing) for a binary message, whose frame payload is the message's bytes.
    @discardableResult
    public func writeWebSocketText(into buffer: inout ByteBuffer) -> Bool {
        guard let data = textData else { return false }
        buffer.writeInteger(type.asciiDigit)
        buffer.writeString(data)
        return true
    }

    /// Decodes the (unmasked) bytes of a WebSocket text frame, with no copy but the packet's data.
    ///
    /// Strict: an empty frame, an unknown type digit, data on `close`/`upgrade`/`noop`, the
    /// polling-only `b` (base64) prefix and bytes that are not UTF-8 (RFC 6455 §8.1: the
    /// connection fails) are errors.
    public static func decode(webSocketText bytes: ByteBuffer) throws(EngineIODecodingError) -> EngineIOPacket {
        // withUnsafeReadableBytes only rethrows untyped errors, so the typed error travels in a Result.
        let result = bytes.withUnsafeReadableBytes { raw in
            Result { () throws(EngineIODecodingError) in
                try EngineIOPacket.decodeText(raw, allowBase64: false, validateUTF8: true)
            }
        }
        return try result.get()
    }

    /// Decodes a WebSocket binary frame: always a binary message, whatever its bytes.
    public static func decode(webSocketBinary buffer: ByteBuffer) -> EngineIOPacket {
        .binaryMessage(buffer)
    }

    /// Decodes one text packet from raw bytes (a WebSocket frame or one record of a payload).
    static func decodeText(
        _ bytes: UnsafeRawBufferPointer,
        allowBase64: Bool,
        validateUTF8: Bool
    ) throws(EngineIODecodingError) -> EngineIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        if first == UInt8(ascii: "b") {
            guard allowBase64 else { throw .base64NotAllowed }
            var out = ByteBufferAllocator().buffer(capacity: Base64.decodedCapacity(forEncodedCount: rest.count))
            guard Base64.decode(rest, into: &out) else { throw .invalidBase64 }
            return .binaryMessage(out)
        }
        guard let type = EngineIOPacketType(asciiDigit: first) else { throw .unknownPacketType(first) }
        switch type {
        case .close, .upgrade, .noop:
            guard rest.isEmpty else { throw .unexpectedData(type) }
            return type == .close ? .close : type == .upgrade ? .upgrade : .noop
        case .open, .ping, .pong, .message:
            let data: String
            if rest.isEmpty {
                data = ""
            } else if validateUTF8 {
                guard let valid = String(validating: rest, as: UTF8.self) else { throw .invalidUTF8 }
                data = valid
            } else {
                data = String(decoding: rest, as: UTF8.self)
            }
            switch type {
            case .open: return .open(data)
            case .ping: return .ping(data)
            case .pong: return .pong(data)
            default: return .message(data)
            }
        }
    }
}
