import NIOCore
import ZenithJSON

/// Joins a binary Socket.IO packet with the attachments that follow it, and splits an outgoing
/// packet's `binary` values into attachments: the binary half of the Socket.IO v5 codec.
///
/// One per client connection, fed in arrival order: every decoded packet goes through
/// ``receive(_:)``, every binary Engine.IO message through ``receive(attachment:)``. A value with
/// no I/O; the connection drops it (and closes) on any error.
public struct SocketIOBinaryAssembler: Sendable {
    /// Bounds on what one binary packet may bring.
    public struct Limits: Sendable, Equatable {
        /// Most attachments per packet (socket.io-parser defaults to 10).
        public var maxAttachments: Int
        /// Most bytes of all attachments of one packet together.
        public var maxTotalBytes: Int

        public init(maxAttachments: Int = 10, maxTotalBytes: Int = 1_000_000) {
            self.maxAttachments = maxAttachments
            self.maxTotalBytes = maxTotalBytes
        }
    }

    private enum State: Sendable {
        case idle
        case awaiting(packet: SocketIOPacket, received: [ByteBuffer], bytes: Int)
    }

    public let limits: Limits
    private var state: State = .idle

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether a binary packet is waiting for more attachments.
    public var isAwaitingAttachments: Bool {
        if case .awaiting = state { true } else { false }
    }

    /// Takes a decoded packet. A non-binary packet comes straight back; a binary one is held
    /// (nil) until its attachments have arrived.
    ///
    /// - Throws: `.expectedAttachment` while attachments are still awaited;
    ///   `.tooManyAttachments` beyond the limit.
    public mutating func receive(_ packet: SocketIOPacket) throws(SocketIODecodingError) -> SocketIOPacket? {
        guard case .idle = state else { throw .expectedAttachment }
        guard packet.type.isBinary else { return packet }
        guard packet.attachmentCount >= 1 else { throw .invalidAttachmentCount }
        guard packet.attachmentCount <= limits.maxAttachments else {
            throw .tooManyAttachments(limit: limits.maxAttachments)
        }
        state = .awaiting(packet: packet, received: [], bytes: 0)
        return nil
    }

    /// Takes the next attachment; after the last one, returns the packet with its placeholders
    /// replaced by the attachments, typed `event`/`ack` (as socket.io-parser does) with an
    /// attachment count of 0.
    ///
    /// - Throws: `.unexpectedAttachment` when no packet waits; `.attachmentsTooLarge` past the
    ///   byte limit; `.invalidPlaceholder` when a placeholder's `num` is not an attachment index.
    public mutating func receive(attachment: ByteBuffer) throws(SocketIODecodingError) -> SocketIOPacket? {
        guard case .awaiting(let packet, var received, var bytes) = state else { throw .unexpectedAttachment }
        bytes += attachment.readableBytes
        guard bytes <= limits.maxTotalBytes else {
            state = .idle
            throw .attachmentsTooLarge(limit: limits.maxTotalBytes)
        }
        state = .idle  // drop the held copy so the append below does not copy the array
        received.append(attachment)
        guard received.count == packet.attachmentCount else {
            state = .awaiting(packet: packet, received: received, bytes: bytes)
            return nil
        }
        var assembled = packet
        assembled.type = packet.type == .binaryEvent ? .event : .ack
        assembled.attachmentCount = 0
        if let data = packet.data {
            assembled.data = try Self.reconstruct(data, with: received)
        }
        return assembled
    }

    /// Forgets a packet that still waits for attachments (when the connection closes).
    public mutating func reset() {
        state = .idle
    }

    /// Splits `packet` for sending: each `binary` value becomes `{"_placeholder":true,"num":N}`
    /// and the N-th buffer of the result; an event or ack with any becomes `binaryEvent` or
    /// `binaryAck` with its attachment count set. A packet without binary data (or of a type
    /// that cannot carry attachments) comes back unchanged, with no buffers.
    public static func deconstruct(_ packet: SocketIOPacket) -> (SocketIOPacket, [ByteBuffer]) {
        guard let data = packet.data, data.containsBinary else { return (packet, []) }
        let binaryType: SocketIOPacketType
        switch packet.type {
        case .event, .binaryEvent: binaryType = .binaryEvent
        case .ack, .binaryAck: binaryType = .binaryAck
        case .connect, .disconnect, .connectError: return (packet, [])
        }
        var buffers: [ByteBuffer] = []
        var result = packet
        result.type = binaryType
        result.data = replaceBinary(data, into: &buffers)
        result.attachmentCount = buffers.count
        return (result, buffers)
    }

    private static func replaceBinary(_ value: JSONValue, into buffers: inout [ByteBuffer]) -> JSONValue {
        switch value {
        case .binary(let buffer):
            buffers.append(buffer)
            return .object(JSONObject(uniqueKeys: ["_placeholder", "num"], values: [.bool(true), .int(Int64(buffers.count - 1))]))
        case .array(let elements) where elements.contains(where: \.containsBinary):
            return .array(elements.map { replaceBinary($0, into: &buffers) })
        case .object(let object) where object.values.contains(where: \.containsBinary):
            return .object(JSONObject(uniqueKeys: object.keys, values: object.values.map { replaceBinary($0, into: &buffers) }))
        default:
            return value
        }
    }

    private static func reconstruct(_ value: JSONValue, with buffers: [ByteBuffer]) throws(SocketIODecodingError) -> JSONValue {
        switch value {
        case .array(let elements):
            var rebuilt: [JSONValue] = []
            rebuilt.reserveCapacity(elements.count)
            for element in elements { rebuilt.append(try reconstruct(element, with: buffers)) }
            return .array(rebuilt)
        case .object(let object):
            if object["_placeholder"] == .bool(true) {
                guard case .int(let num)? = object["num"], num >= 0, num < buffers.count else {
                    throw .invalidPlaceholder
                }
                return .binary(buffers[Int(num)])
            }
            var values: [JSONValue] = []
            values.reserveCapacity(object.count)
            for member in object.values { values.append(try reconstruct(member, with: buffers)) }
            return .object(JSONObject(uniqueKeys: object.keys, values: values))
        default:
            return value
        }
    }
}
