/// The bounds on room names, the same wherever a name comes from (a client's `subscribe`, the
/// publish API, another node, an emitter): a name no socket could have joined is refused rather
/// than silently matched by nothing.
public enum SocketIORoomNames {
    /// Longest room name, in UTF-8 bytes.
    public static let maxBytes = 256
    /// Most rooms (or exceptions) one broadcast may name.
    public static let maxPerBroadcast = 1000

    /// A name a socket may join or a broadcast may address.
    public static func isValid(_ room: String) -> Bool {
        !room.isEmpty && room.utf8.count <= Self.maxBytes
    }
}
