/// The seven Engine.IO v4 packet types; the raw value is the digit that starts a text packet.
///
/// Owned by the Engine.IO codec; sessions and transports switch on it.
public enum EngineIOPacketType: UInt8, Sendable, CaseIterable {
    case open = 0
    case close
    case ping
    case pong
    case message
    case upgrade
    case noop

    /// The ASCII digit (`0`...`6`) that encodes this type in a text packet.
    @inlinable
    public var asciiDigit: UInt8 { UInt8(ascii: "0") &+ rawValue }

    /// The type whose ASCII digit is `byte`, or nil for any other byte.
    @inlinable
    public init?(asciiDigit byte: UInt8) {
        guard byte >= UInt8(ascii: "0") else { return nil }
        self.init(rawValue: byte &- UInt8(ascii: "0"))
    }
}
