/// The bounds on room names, the same wherever a name comes from (a client's `subscribe`, the
/// publish API): a name no socket could have joined is refused rather than silently matched by
/// nothing.
enum RoomNames {
    /// Longest room name, in UTF-8 bytes.
    static let maxBytes = 256
    /// Most rooms (or exceptions) one publish may name.
    static let maxPerPublish = 1000

    /// A name a socket may join or a publish may address.
    static func isValid(_ room: String) -> Bool {
        !room.isEmpty && room.utf8.count <= Self.maxBytes
    }
}
