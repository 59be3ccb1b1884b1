import ZenithJSON

/// Why a text is not a valid Socket.IO v5 packet, or binary attachments do not fit their packet.
///
/// The server closes the client's connection on any of these (socket.io's behaviour on a
/// parser error); nothing from the offending input reaches a namespace.
public enum SocketIODecodingError: Error, Equatable, Sendable {
    /// An empty text.
    case emptyPacket
    /// The first character is not a type digit `0`...`6`.
    case unknownPacketType(UInt8)
    /// A binary packet whose `<count>-` prefix is missing, not a positive integer, or malformed.
    case invalidAttachmentCount
    /// More attachments than the limit.
    case tooManyAttachments(limit: Int)
    /// An ack id that is not a non-negative integer within range.
    case invalidID
    /// An ack id on a packet type that has none (connect, disconnect, connect error).
    case unexpectedID
    /// An ack without the id it acknowledges.
    case missingID
    /// The data is not one valid JSON value.
    case invalidJSON(JSONParseError)
    /// The data does not have the shape the packet type requires (see socket.io-parser's
    /// `isPayloadValid`): `reason` says which rule failed.
    case invalidPayload(reason: String)
    /// A binary attachment arrived with no binary packet waiting for it.
    case unexpectedAttachment
    /// A text packet arrived while a binary packet still waited for attachments.
    case expectedAttachment
    /// The attachments of one packet together exceed the byte limit.
    case attachmentsTooLarge(limit: Int)
    /// A placeholder whose `num` is not an index of the received attachments.
    case invalidPlaceholder
}
