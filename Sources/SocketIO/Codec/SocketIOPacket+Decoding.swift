import ZenithJSON
import ZenithText

extension SocketIOPacket {
    /// Largest ack id accepted: JavaScript clients count ids in doubles, exact up to 2^53 - 1.
    public static let maxID = 9_007_199_254_740_991

    /// Decodes the text of one Engine.IO `message` packet.
    ///
    /// Strict, after socket.io-parser v4 (`decodeString` and `isPayloadValid`):
    /// - the type digit must be `0`...`6`;
    /// - binary types need `<n>-` with `1 <= n <= maxAttachments`;
    /// - a namespace starts with `/` and ends at `,` (or at the end of the text);
    /// - an id is digits, only on events (optional) and acks (required);
    /// - the rest is one JSON value (nested at most `maxDepth`), no trailing data, and
    ///   CONNECT has an object or nothing, DISCONNECT nothing, CONNECT_ERROR an object or a
    ///   string, EVENT/BINARY_EVENT a non-empty array starting with a string name,
    ///   ACK/BINARY_ACK an array.
    ///
    /// Reserved event names are decoded; see ``isReservedEventName(_:)``. socket.io-parser also
    /// accepts a number as event name; Zenith's API names events with strings only.
    public static func decode(
        _ text: String,
        maxAttachments: Int,
        maxDepth: Int = 64
    ) throws(SocketIODecodingError) -> SocketIOPacket {
        var text = text
        // withUTF8 only rethrows untyped errors, so the typed error travels in a Result.
        let result = text.withUTF8 { bytes in
            Result { () throws(SocketIODecodingError) in
                var reader = SocketIOPacketReader(bytes: UnsafeRawBufferPointer(bytes))
                return try reader.read(maxAttachments: maxAttachments, maxDepth: maxDepth)
            }
        }
        return try result.get()
    }
}

/// Reads one encoded packet front to back; internal to the decoder.
private struct SocketIOPacketReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func read(maxAttachments: Int, maxDepth: Int) throws(SocketIODecodingError) -> SocketIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        guard first >= UInt8(ascii: "0"), let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw .unknownPacketType(first)
        }
        index = 1
        var packet = SocketIOPacket(type: type)

        if type.isBinary {
            packet.attachmentCount = try readAttachmentCount(maxAttachments: maxAttachments)
        }

        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            packet.namespace = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if index < bytes.count { index += 1 }  // the comma
        }

        if index < bytes.count, bytes[index].isASCIIDigit {
            var id = 0
            while index < bytes.count, bytes[index].isASCIIDigit {
                id = id * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                guard id <= SocketIOPacket.maxID else { throw .invalidID }
                index += 1
            }
            packet.id = id
        }

        if index < bytes.count {
            do {
                packet.data = try JSONParser.parse(
                    UnsafeRawBufferPointer(rebasing: bytes[index...]),
                    maxDepth: maxDepth,
                    validateUTF8: false
                )
            } catch {
                throw .invalidJSON(error)
            }
        }

        try Self.validate(packet)
        return packet
    }

    private mutating func readAttachmentCount(maxAttachments: Int) throws(SocketIODecodingError) -> Int {
        let start = index
        var count = 0
        while index < bytes.count, bytes[index].isASCIIDigit {
            count = count * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
            // Checked per digit so that a long run of digits cannot overflow.
            guard count <= maxAttachments || count == 0 else { throw .tooManyAttachments(limit: maxAttachments) }
            index += 1
        }
        guard index > start, index < bytes.count, bytes[index] == UInt8(ascii: "-"), count >= 1 else {
            throw .invalidAttachmentCount
        }
        index += 1
        return count
    }

    private static func validate(_ packet: SocketIOPacket) throws(SocketIODecodingError) {
        switch packet.type {
        case .connect:
            guard packet.id == nil else { throw .unexpectedID }
            switch packet.data {
            case nil, .object?: break
            default: throw .invalidPayload(reason: "CONNECT data must be an object")
            }
        case .disconnect:
            guard packet.id == nil else { throw .unexpectedID }
            guard packet.data == nil else { throw .invalidPayload(reason: "DISCONNECT has no data") }
        case .connectError:
            guard packet.id == nil else { throw .unexpectedID }
            switch packet.data {
            case .object?, .string?: break
            default: throw .invalidPayload(reason: "CONNECT_ERROR data must be an object or a string")
            }
        case .event, .binaryEvent:
            guard case .array(let elements)? = packet.data, let first = elements.first else {
                throw .invalidPayload(reason: "EVENT data must be a non-empty array")
            }
            guard case .string = first else {
                throw .invalidPayload(reason: "EVENT name must be a string")
            }
        case .ack, .binaryAck:
            guard packet.id != nil else { throw .missingID }
            guard case .array? = packet.data else { throw .invalidPayload(reason: "ACK data must be an array") }
        }
    }
}
