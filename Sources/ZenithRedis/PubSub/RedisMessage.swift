import NIOCore

/// One message delivered to a subscriber: a `message` push (a subscribed channel) or a
/// `pmessage` push (a channel matching a subscribed pattern).
public struct RedisMessage: Sendable, Hashable {
    /// The pattern that matched, for a `pmessage`; nil for a `message`.
    public var pattern: String?
    public var channel: String
    public var payload: ByteBuffer

    public init(pattern: String? = nil, channel: String, payload: ByteBuffer) {
        self.pattern = pattern
        self.channel = channel
        self.payload = payload
    }

    /// The message if `value` is a `message` or `pmessage` push, else nil.
    init?(push value: RESPValue) {
        guard let elements = value.array, let kind = elements.first?.string else { return nil }
        switch (kind, elements.count) {
        case ("message", 3):
            guard let channel = elements[1].string, case .bulkString(let payload?) = elements[2] else { return nil }
            self.init(channel: channel, payload: payload)
        case ("pmessage", 4):
            guard let pattern = elements[1].string, let channel = elements[2].string, case .bulkString(let payload?) = elements[3] else { return nil }
            self.init(pattern: pattern, channel: channel, payload: payload)
        default:
            return nil
        }
    }
}

/// The subscription commands; their confirmations are pushes named like the command, one per
/// channel or pattern named.
enum RedisSubscriptionKind: String, Sendable {
    case subscribe, psubscribe, unsubscribe, punsubscribe

    var command: String { rawValue.uppercased() }
}
