import NIOCore

/// One Engine.IO v4 packet, as sent over a WebSocket frame or inside a polling payload.
///
/// A value type with no I/O: the WebSocket and polling transports encode and decode with it.
/// `ping` and `pong` carry an optional text such as `probe` (`""` when there is none).
public enum EngineIOPacket: Equatable, Sendable {
    /// The handshake: JSON text (see ``EngineIOOpenPacket``).
    case open(String)
    case close
    case ping(String)
    case pong(String)
    /// A UTF-8 text message (for Socket.IO, one encoded Socket.IO packet).
    case message(String)
    /// A binary message: a raw WebSocket binary frame, or `b`+base64 in a polling payload.
    case binaryMessage(ByteBuffer)
    case upgrade
    case noop

    /// The packet's type; a binary message is of type `message`.
    public var type: EngineIOPacketType {
        switch self {
        case .open: .open
        case .close: .close
        case .ping: .ping
        case .pong: .pong
        case .message, .binaryMessage: .message
        case .upgrade: .upgrade
        case .noop: .noop
        }
    }

    /// The text data that follows the type digit, or nil for a binary message.
    @usableFromInline
    var textData: String? {
        switch self {
        case .open(let text), .ping(let text), .pong(let text), .message(let text): text
        case .close, .upgrade, .noop: ""
        case .binaryMessage: nil
        }
    }
}
