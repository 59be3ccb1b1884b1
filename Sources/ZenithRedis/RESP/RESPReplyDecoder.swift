import NIOCore

/// The inbound half of a Redis connection's pipeline: bytes in, one `RESPValue` per reply out.
/// A malformed reply or one past `RESPLimits` is thrown as a `RESPDecodingError`, which the
/// connection handler turns into closing the connection.
public struct RESPReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    private let parser: RESPParser

    public init(limits: RESPLimits = RESPLimits()) {
        self.parser = RESPParser(limits: limits)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Every complete reply in `buffer` (consumed), for callers without a channel (tests, fuzzing).
    public static func decodeAll(_ buffer: inout ByteBuffer, limits: RESPLimits = RESPLimits()) throws(RESPDecodingError) -> [RESPValue] {
        let parser = RESPParser(limits: limits)
        var values: [RESPValue] = []
        while let value = try parser.parse(&buffer) { values.append(value) }
        return values
    }
}
