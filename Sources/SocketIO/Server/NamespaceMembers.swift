import EngineIO
import Metrics

/// The sockets of one namespace on one event loop, and the rooms they are in: what a broadcast
/// walks. Membership tests and changes are O(1). Confined to its loop.
final class NamespaceMembers {
    private(set) var sockets: [ObjectIdentifier: SocketIOSocket] = [:]
    private var rooms: [String: RoomMembers] = [:]
    /// `zenith_realtime_rooms`: rooms with at least one member (own-id rooms included).
    private let roomsMeter = Meter(label: "zenith_realtime_rooms")

    func addSocket(_ socket: SocketIOSocket) {
        self.sockets[ObjectIdentifier(socket)] = socket
    }

    func removeSocket(_ socket: SocketIOSocket) {
        self.sockets.removeValue(forKey: ObjectIdentifier(socket))
    }

    func add(_ socket: SocketIOSocket, to room: String) {
        guard self.rooms[room] != nil else {
            self.rooms[room] = RoomMembers(socket)
            self.roomsMeter.increment()
            return
        }
        // In place: a copy of the member dictionary would make each join O(room size).
        self.rooms[room]!.insert(socket)
    }

    func remove(_ socket: SocketIOSocket, from room: String) {
        guard self.rooms[room]?.remove(socket) == true else { return }
        if self.rooms[room]?.isEmpty == true {
            self.rooms[room] = nil
            self.roomsMeter.decrement()
        }
    }

    /// Sends a broadcast to the sockets of `audience` that are in none of `except`, each the frames
    /// it takes (`BroadcastDelivery`); returns how many sockets got them.
    func deliver(_ delivery: BroadcastDelivery, to audience: SocketIOBroadcast.Audience, except: [String]) -> Int {
        var excluded = Set<ObjectIdentifier>()
        for room in except {
            self.rooms[room]?.forEach { key, _ in excluded.insert(key) }
        }
        var delivered = 0
        func send(to socket: SocketIOSocket) {
            if delivery.withOffset == nil {
                // Without recovery every socket takes the plain frames, passed on as they are
                // rather than copied (two retains and releases) per recipient.
                socket.session.send(delivery.plain)
            } else if let frames = delivery.frames(for: socket) {
                socket.session.send(frames)
            } else {
                return
            }
            delivered += 1
        }
        guard case .rooms(let rooms) = audience else {
            for (key, socket) in self.sockets where !excluded.contains(key) {
                send(to: socket)
            }
            return delivered
        }
        if rooms.count == 1 {
            self.rooms[rooms[0]]?.forEach { key, socket in
                if !excluded.contains(key) { send(to: socket) }
            }
        } else {
            var seen = excluded
            for room in rooms {
                self.rooms[room]?.forEach { key, socket in
                    if seen.insert(key).inserted { send(to: socket) }
                }
            }
        }
        return delivered
    }
}
