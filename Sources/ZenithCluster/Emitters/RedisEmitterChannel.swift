/// A channel `@socket.io/redis-emitter` and the socket.io Redis adapter publish broadcasts on:
/// `<key>#<namespace>#`, or `<key>#<namespace>#<room>#` when the broadcast names exactly one
/// room (`key` is `[cluster] emitter_key`, default "socket.io"). The adapter's requests go to
/// `<key>-request#...` and are not broadcasts.
///
/// The namespace ends at the first `#` after the key (Zenith's namespaces have none); the room is
/// the rest but its closing `#`, so a room may hold `#`.
public struct RedisEmitterChannel: Sendable, Hashable {
    public var namespace: String
    /// The room the channel names, if any (a hint: the message's own room list decides).
    public var room: String?

    public init(namespace: String, room: String? = nil) {
        self.namespace = namespace
        self.room = room
    }

    /// The channel's parts, or nil when it is not one of `key`'s broadcast channels.
    public init?(parsing channel: String, key: String) {
        let bytes = Array(channel.utf8)
        let prefix = Array(key.utf8) + [UInt8(ascii: "#")]
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        let rest = bytes[prefix.count...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "#")) else { return nil }
        let namespace = rest[..<end]
        guard namespace.first == UInt8(ascii: "/") else { return nil }
        let tail = rest[(end + 1)...]
        let room: String?
        if tail.isEmpty {
            room = nil
        } else {
            guard tail.count >= 2, tail.last == UInt8(ascii: "#") else { return nil }
            room = String(decoding: tail.dropLast(), as: UTF8.self)
        }
        self.init(namespace: String(decoding: namespace, as: UTF8.self), room: room)
    }

    /// The channel a broadcast for `namespace` (and one `room`) is published on.
    public static func name(key: String, namespace: String, room: String? = nil) -> String {
        key + "#" + namespace + "#" + (room.map { $0 + "#" } ?? "")
    }

    /// The `PSUBSCRIBE` pattern matching every broadcast channel of `key` (its glob characters
    /// escaped), as the adapter subscribes to `<key>#<namespace>#*` for each namespace.
    public static func pattern(key: String) -> String {
        var escaped = ""
        for character in key {
            if "*?[]\\^".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "#*"
    }
}
