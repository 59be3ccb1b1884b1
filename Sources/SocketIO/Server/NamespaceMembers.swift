import EngineIO
import Metrics

/// The sockets of one namespace on one event loop, and the rooms they are in: what a broadcast
/// walks. Membership tests and changes are O(1). Confined to its loop.
final class NamespaceMembers {
    private(set) var sockets: [ObjectIdentifier: SocketIOSocket] = [:]
    private var rooms: [String: [ObjectIdentifier: SocketIOSocket]] = [:]
    /// `zenith_realtime_rooms`: rooms with at least one member (own-id rooms included).
    private let roomsMeter = Meter(label: "zenith_realtime_rooms")

    func addSocket(_ socket: SocketIOSocket) {
        self.sockets[ObjectIdentifier(socket)] = socket
    }

    func removeSocket(_ socket: SocketIOSocket) {
        self.sockets.removeValue(forKey: ObjectIdentifier(socket))
    }

    func add(_ socket: SocketIOSocket, to room: String) {
        if self.rooms[room] == nil {
            self.roomsMeter.increment()
        }
        self.rooms[room, default: [:]][ObjectIdentifier(socket)] = socket
    }

    func remove(_ socket: SocketIOSocket, from room: String) {
        // In place: a copy of the member dictionary would make each leave O(room size).
        guard self.rooms[room]?.removeValue(forKey: ObjectIdentifier(socket)) != nil else { return }
        if self.rooms[room]?.isEmpty == true {
            self.rooms[room] = nil
            self.roomsMeter.decrement()
        }
    }

    /// Sends a broadcast to the sockets of `audience` that are in none of `except`, each the frames
    /// it takes (`BroadcastDelivery`); returns how many sockets got them.
    func deliver(_ delivery: BroadcastDelivery, to audience: SocketIOBroadcast.Audience, except: [String]) -> Int {
        let excluded = Set(except.flatMap { self.rooms[$0].map { Array($0.keys) } ?? [] })
        var delivered = 0
        func send(to socket: SocketIOSocket) {
            guard let frames = delivery.frames(for: socket) else { return }
            socket.connection.session.send(frames)
            delivered += 1
        }
        guard case .rooms(let rooms) = audience else {
            for (key, socket) in self.sockets where !excluded.contains(key) {
                send(to: socket)
            }
            return delivered
        }
        if rooms.count == 1 {
            for (key, socket) in self.rooms[rooms[0]] ?? [:] where !excluded.contains(key) {
                send(to: socket)
            }
        } else {
            var seen = excluded
            for room in rooms {
                for (key, socket) in self.rooms[room] ?? [:] where seen.insert(key).inserted {
                    send(to: socket)
                }
            }
        }
        return delivered
    }
}
