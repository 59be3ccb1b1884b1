/// Why bytes received from a client are not a valid Engine.IO v4 packet or payload.
///
/// Thrown by the codec; the transport answers with HTTP 400 (polling) or closes the
/// WebSocket, and never forwards anything from an input that produced one of these.
public enum EngineIODecodingError: Error, Equatable, Sendable {
    /// A packet with no bytes at all (an empty frame, an empty body, or two separators in a row).
    case emptyPacket
    /// The first byte is not a packet type digit `0`...`6` (nor `b` where base64 is allowed).
    case unknownPacketType(UInt8)
    /// `close`, `upgrade` and `noop` carry no data, but this one did.
    case unexpectedData(EngineIOPacketType)
    /// A text packet that is not valid UTF-8.
    case invalidUTF8
    /// A `b`-prefixed packet whose base64 text is malformed.
    case invalidBase64
    /// A `b`-prefixed (base64) packet where only WebSocket text framing is allowed.
    case base64NotAllowed
    /// A polling payload with more packets than the caller allows.
    case tooManyPackets(limit: Int)
}
