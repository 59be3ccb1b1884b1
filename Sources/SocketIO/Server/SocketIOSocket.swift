import EngineIO
import NIOCore
import ZenithJSON

/// A client's connection to one namespace: its id, its rooms, and the acknowledgements it awaits.
/// Confined to its Engine.IO session's event loop.
///
/// Hold sockets strongly and check `isConnected`, never `weak`: one weak reference gives the
/// object a side table for the rest of its life, and every retain of it takes the runtime's slow
/// path, once per recipient of every broadcast (3.5% of the server's time in the fan-out
/// profile, with a weak reference from each ack'ed `subscribe`). `SideTableTests` checks it.
public final class SocketIOSocket {
    /// The Socket.IO id (not the Engine.IO sid), also the name of the socket's own room; a
    /// recovered socket takes back the id it had.
    public internal(set) var id: String
    /// The private id a client sends back to recover this socket (connection state recovery).
    var pid: String?
    /// Broadcasts up to this offset reached the socket in its recovery replay (or were not for it).
    var replayedThrough = BroadcastOffset.zero
    /// Whether broadcasts reach this socket with their offsets (recovery on, and a browser's
    /// session: `BroadcastDelivery`).
    var receivesOffsets = false
    /// Whether a write of its record to the recovery directory is scheduled (`roomsChanged`).
    var recordWritePending = false
    public let namespace: String
    /// The auth object of the client's CONNECT (`{}` when it sent none).
    public let auth: JSONObject
    public private(set) var rooms: Set<String> = []
    /// Attached by the namespace handler (identity, subscriptions); never sent to the client.
    public var userInfo: [String: any Sendable] = [:]
    public private(set) var isConnected = true

    unowned let connection: SocketIOConnection
    /// The connection's Engine.IO session, held here for broadcasts: reached through the unowned
    /// `connection` (whose weak references give it a side table) it cost each recipient a slow
    /// unowned retain, about 4% of the server's time in the fan-out profile. The session lets go
    /// of its delegate, and so of this socket, when it closes.
    let session: EngineIOSession
    private let members: NamespaceMembers
    private let configuration: SocketIOConfiguration
    private var nextAckID = 0
    private var pendingAcks: [Int: (callback: ([JSONValue]?) -> Void, timer: Scheduled<Void>)] = [:]

    init(
        id: String, namespace: String, auth: JSONObject, connection: SocketIOConnection, members: NamespaceMembers,
        configuration: SocketIOConfiguration
    ) {
        self.id = id
        self.namespace = namespace
        self.auth = auth
        self.connection = connection
        self.session = connection.session
        self.members = members
        self.configuration = configuration
    }

    public var eventLoop: EventLoop { self.session.eventLoop }
    /// The request that opened the Engine.IO session (cookies, origin, client address).
    public var handshake: EngineIOHTTPRequest { self.session.handshake }

    /// Emits an event to this socket. With `ack`, the client's acknowledgement (or nil after the
    /// ack timeout) is passed to it.
    public func emit(_ event: String, _ arguments: [JSONValue], ack: (([JSONValue]?) -> Void)? = nil) {
        guard self.isConnected else {
            ack?(nil)
            return
        }
        var id: Int?
        if let ack {
            let ackID = self.nextAckID
            self.nextAckID += 1
            id = ackID
            let timer = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(self.configuration.ackTimeout)) {
                // The timer is cancelled when the ack comes and when the socket is torn down.
                guard let pending = self.pendingAcks.removeValue(forKey: ackID) else { return }
                pending.callback(nil)
            }
            self.pendingAcks[ackID] = (ack, timer)
        }
        self.send(.event(event, arguments, namespace: self.namespace, id: id))
    }

    /// Joins a room; false when the socket is at its room limit.
    @discardableResult
    public func join(_ room: String) -> Bool {
        guard !self.rooms.contains(room) else { return true }
        guard self.rooms.count < self.configuration.maxRoomsPerSocket else { return false }
        self.rooms.insert(room)
        self.members.add(self, to: room)
        self.connection.roomsChanged(self)
        return true
    }

    public func leave(_ room: String) {
        guard self.rooms.remove(room) != nil else { return }
        self.members.remove(self, from: room)
        self.connection.roomsChanged(self)
    }

    /// Disconnects the socket from its namespace (the client is told).
    public func disconnect() {
        guard self.isConnected else { return }
        self.send(.disconnect(namespace: self.namespace))
        self.connection.socketLeft(self, reason: "server namespace disconnect")
    }

    // MARK: Internal

    func send(_ packet: SocketIOPacket) {
        for frame in packet.engineIOFrames() {
            self.session.send(frame)
        }
    }

    func acknowledgementReceived(id: Int, arguments: [JSONValue]) {
        guard let pending = self.pendingAcks.removeValue(forKey: id) else { return }
        pending.timer.cancel()
        pending.callback(arguments)
    }

    /// Leaves every room and fails the acknowledgements still awaited.
    func tearDown() {
        self.isConnected = false
        for room in self.rooms {
            self.members.remove(self, from: room)
        }
        self.rooms.removeAll()
        self.members.removeSocket(self)
        let pending = self.pendingAcks
        self.pendingAcks.removeAll()
        for (_, entry) in pending {
            entry.timer.cancel()
            entry.callback(nil)
        }
    }
}
