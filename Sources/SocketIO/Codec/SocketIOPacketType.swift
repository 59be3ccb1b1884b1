/// The seven Socket.IO v5 packet types; the raw value is the digit that starts an encoded packet.
///
/// Owned by the Socket.IO codec; namespaces and the server switch on it.
public enum SocketIOPacketType: UInt8, Sendable, CaseIterable {
    case connect = 0
    case disconnect
    case event
    case ack
    case connectError
    case binaryEvent
    case binaryAck

    /// Whether packets of this type carry an attachment count and binary attachments.
    public var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
}
