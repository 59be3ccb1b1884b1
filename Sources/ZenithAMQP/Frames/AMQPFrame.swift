import NIOCore

/// One AMQP frame (§4.2.3) with its payload decoded: a method, a content header, a piece of a
/// message body, or a heartbeat. `channel` 0 is the connection itself.
public enum AMQPFrame: Equatable, Sendable {
    case method(channel: UInt16, AMQPMethod)
    case header(channel: UInt16, AMQPContentHeader)
    case body(channel: UInt16, ByteBuffer)
    case heartbeat

    /// The bytes that open a connection (§4.2.2): "AMQP", 0, then version 0-9-1.
    public static let protocolHeader: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]
    /// Every frame ends with this octet.
    static let frameEnd: UInt8 = 0xCE
    /// Type, channel and size before the payload.
    static let headerSize = 7
    /// What a frame adds to its payload: the header and the end octet.
    public static let overhead = 8
    /// The smallest frame_max a peer may negotiate, and the limit before tuning (§4.2.3).
    public static let minimumFrameMax: UInt32 = 4096

    enum FrameType: UInt8 {
        case method = 1
        case header = 2
        case body = 3
        case heartbeat = 8
    }

    public var channel: UInt16 {
        switch self {
        case .method(let channel, _), .header(let channel, _), .body(let channel, _): channel
        case .heartbeat: 0
        }
    }

    /// Appends the whole frame (header, payload, end octet).
    public func encode(into buffer: inout ByteBuffer) {
        let type: FrameType
        switch self {
        case .method: type = .method
        case .header: type = .header
        case .body: type = .body
        case .heartbeat: type = .heartbeat
        }
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(channel)
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        switch self {
        case .method(_, let method): method.encode(into: &buffer)
        case .header(_, let header): header.encode(into: &buffer)
        case .body(_, let bytes): buffer.writeImmutableBuffer(bytes)
        case .heartbeat: break
        }
        buffer.setInteger(UInt32(buffer.writerIndex - sizeIndex - 4), at: sizeIndex)
        buffer.writeInteger(Self.frameEnd)
    }

    /// Decodes one frame's payload, given the type octet and channel from its header.
    static func decodePayload(type: UInt8, channel: UInt16, payload: ByteBuffer) throws(AMQPProtocolError) -> AMQPFrame {
        guard let frameType = FrameType(rawValue: type) else { throw .framing("unknown frame type \(type)") }
        switch frameType {
        case .method: return .method(channel: channel, try AMQPMethod.decode(payload))
        case .header: return .header(channel: channel, try AMQPContentHeader.decode(payload))
        case .body: return .body(channel: channel, payload)
        case .heartbeat:
            // §4.2.7: a heartbeat on another channel, or with a payload, is a frame error.
            guard channel == 0, payload.readableBytes == 0 else { throw .frame("heartbeat frame on channel \(channel) or with a payload") }
            return .heartbeat
        }
    }
}

/// Cuts the broker's byte stream into frames, whatever the read boundaries, and decodes each.
/// A frame larger than `maximumFrameSize` (frame_max) is refused as soon as its header is read,
/// before its payload is buffered; the end octet is checked before the payload is decoded.
public struct AMQPFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = AMQPFrame

    /// frame_max: the largest whole frame (payload + 8) accepted.
    public let maximumFrameSize: UInt32

    public init(maximumFrameSize: UInt32) {
        self.maximumFrameSize = max(maximumFrameSize, AMQPFrame.minimumFrameMax)
    }

    /// Takes one frame off the front of `buffer`, or nil when it does not hold a whole frame yet.
    public func nextFrame(_ buffer: inout ByteBuffer) throws(AMQPProtocolError) -> AMQPFrame? {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let channel = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt16.self),
              let size = buffer.getInteger(at: buffer.readerIndex + 3, as: UInt32.self)
        else { return nil }
        guard AMQPFrame.FrameType(rawValue: type) != nil else { throw .framing("unknown frame type \(type)") }
        guard UInt64(size) + UInt64(AMQPFrame.overhead) <= UInt64(maximumFrameSize) else {
            throw .frame("frame of \(size) payload bytes exceeds frame_max \(maximumFrameSize)")
        }
        let total = AMQPFrame.headerSize + Int(size) + 1
        guard buffer.readableBytes >= total else { return nil }
        guard buffer.getInteger(at: buffer.readerIndex + total - 1, as: UInt8.self) == AMQPFrame.frameEnd else {
            throw .framing("frame end octet is not 0xCE")
        }
        let payload = buffer.getSlice(at: buffer.readerIndex + AMQPFrame.headerSize, length: Int(size))!
        buffer.moveReaderIndex(forwardBy: total)
        return try AMQPFrame.decodePayload(type: type, channel: channel, payload: payload)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
