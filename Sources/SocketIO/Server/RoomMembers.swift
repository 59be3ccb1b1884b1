/// The sockets of one room on one event loop.
///
/// A room of one is held inline: every socket is alone in its own-id room, and a dictionary of its
/// own per socket cost an idle client about 190 bytes (heaptrack, 1,000 idle WebSocket clients).
/// Larger rooms are a dictionary changed in place (a copy would make each join O(room size)).
enum RoomMembers {
    case one(SocketIOSocket)
    case many([ObjectIdentifier: SocketIOSocket])

    init(_ socket: SocketIOSocket) {
        self = .one(socket)
    }

    mutating func insert(_ socket: SocketIOSocket) {
        switch self {
        case .one(let member):
            guard member !== socket else { return }
            self = .many([ObjectIdentifier(member): member, ObjectIdentifier(socket): socket])
        case .many(var members):
            self = .one(socket)  // lets go of the payload's reference: `members` is unique below
            members[ObjectIdentifier(socket)] = socket
            self = .many(members)
        }
    }

    /// Takes `socket` out; returns false if it was not a member. A room whose last member left is
    /// `isEmpty` (only a `.many` can become empty; the owner drops such a room).
    mutating func remove(_ socket: SocketIOSocket) -> Bool {
        switch self {
        case .one(let member):
            guard member === socket else { return false }
            self = .many([:])
            return true
        case .many(var members):
            self = .one(socket)
            let removed = members.removeValue(forKey: ObjectIdentifier(socket)) != nil
            if members.count == 1, let last = members.values.first {
                self = .one(last)
            } else {
                self = .many(members)
            }
            return removed
        }
    }

    var isEmpty: Bool {
        if case .many(let members) = self { return members.isEmpty }
        return false
    }

    /// Calls `body` with each member and its key.
    func forEach(_ body: (ObjectIdentifier, SocketIOSocket) -> Void) {
        switch self {
        case .one(let member):
            body(ObjectIdentifier(member), member)
        case .many(let members):
            for (key, member) in members {
                body(key, member)
            }
        }
    }
}
