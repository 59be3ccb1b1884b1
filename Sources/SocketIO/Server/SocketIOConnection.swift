import EngineIO
import NIOCore
import ZenithJSON

/// The Socket.IO side of one Engine.IO session: decodes its packets (reassembling binary
/// attachments), connects it to namespaces through their handlers, and routes events and
/// acknowledgements to the namespace sockets. Confined to the session's event loop.
public final class SocketIOConnection: EngineIOSessionDelegate {
    let session: EngineIOSession
    private let loopState: SocketIOLoopState
    private let namespaces: [String: SocketIONamespaceHandler]
    private let configuration: SocketIOConfiguration
    private var sockets: [String: SocketIOSocket] = [:]
    private var connecting: Set<String> = []
    private var assembler: SocketIOBinaryAssembler
    private var connectTimer: Scheduled<Void>?
    /// With recovery on: the broadcasts kept, where sockets are kept to come back, and the
    /// sockets with a pid this process holds.
    private let recovery: SocketIOConnectionRecovery?

    /// Why a session may end for which its sockets are kept for recovery: the connection was
    /// lost, or the server is restarting; not a client's own disconnect nor a server's decision.
    /// "overlapping poll" is what a browser causes when it sends a long poll again on a new
    /// connection after its old one broke (Socket.IO's own server counts it a transport error,
    /// which it recovers too).
    static let recoverableReasons: Set<String> = [
        "transport close", "ping timeout", "server shutting down", "poll connection closed prematurely", "overlapping poll",
    ]

    init(
        session: EngineIOSession, loopState: SocketIOLoopState, namespaces: [String: SocketIONamespaceHandler],
        configuration: SocketIOConfiguration, recovery: SocketIOConnectionRecovery?
    ) {
        self.recovery = recovery
        self.session = session
        self.loopState = loopState
        self.namespaces = namespaces
        self.configuration = configuration
        self.assembler = SocketIOBinaryAssembler(
            limits: .init(maxAttachments: configuration.maxAttachments, maxTotalBytes: configuration.maxAttachmentBytes)
        )
        self.connectTimer = session.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            [weak self] in
            guard let self, self.sockets.isEmpty else { return }
            self.session.close()
        }
    }

    // MARK: EngineIOSessionDelegate

    public func engineIOSession(_ session: EngineIOSession, didReceiveText text: String) {
        do {
            let packet = try SocketIOPacket.decode(text, maxAttachments: self.configuration.maxAttachments)
            if let complete = try self.assembler.receive(packet) {
                self.dispatch(complete)
            }
        } catch {
            self.protocolViolation("\(error)")
        }
    }

    public func engineIOSession(_ session: EngineIOSession, didReceiveBinary data: ByteBuffer) {
        do {
            if let complete = try self.assembler.receive(attachment: data) {
                self.dispatch(complete)
            }
        } catch {
            self.protocolViolation("\(error)")
        }
    }

    public func engineIOSessionDidClose(_ session: EngineIOSession, reason: String) {
        self.connectTimer?.cancel()
        for (_, namespaceSocket) in self.sockets {
            self.socketLeft(namespaceSocket, reason: reason)
        }
    }

    // MARK: Packets

    private func dispatch(_ packet: SocketIOPacket) {
        switch packet.type {
        case .connect:
            self.connect(namespace: packet.namespace, auth: packet.data)
        case .disconnect:
            if let socket = self.sockets[packet.namespace] {
                self.socketLeft(socket, reason: "client namespace disconnect")
            }
        case .event, .binaryEvent:
            guard let socket = self.sockets[packet.namespace], let handler = self.namespaces[packet.namespace],
                case .array(let values)? = packet.data, case .string(let event)? = values.first
            else { return }
            let ack = packet.id.map { SocketIOAcknowledgement(socket: socket, id: $0) }
            handler.received(socket, event: event, arguments: Array(values.dropFirst()), ack: ack)
        case .ack, .binaryAck:
            guard let socket = self.sockets[packet.namespace], let id = packet.id, case .array(let values)? = packet.data
            else { return }
            socket.acknowledgementReceived(id: id, arguments: values)
        case .connectError:
            self.protocolViolation("CONNECT_ERROR sent by a client")
        }
    }

    private func connect(namespace: String, auth: JSONValue?) {
        guard let handler = self.namespaces[namespace] else {
            self.session.send(contentsOf: SocketIOPacket.connectError(namespace: namespace, message: "Invalid namespace"))
            return
        }
        guard self.sockets[namespace] == nil, self.connecting.insert(namespace).inserted else { return }
        let members = self.loopState.members(of: namespace)
        let socket = SocketIOSocket(
            id: EngineIOSessionID.make(loopIndex: 0), namespace: namespace, auth: auth?.objectValue ?? JSONObject(),
            connection: self, members: members,
            configuration: self.configuration
        )
        handler.authorize(socket, auth: auth).hop(to: self.session.eventLoop).assumeIsolated().whenComplete { result in
            self.connecting.remove(namespace)
            guard !self.session.isClosed else { return }
            switch result {
            case .success(nil):
                self.loopState.countConnect(accepted: true)
                self.connectTimer?.cancel()
                self.sockets[namespace] = socket
                members.addSocket(socket)
                self.recover(socket, handler: handler, auth: auth).whenSuccess { rooms in
                    guard self.sockets[namespace] === socket else { return }
                    if let rooms {
                        socket.join(socket.id)
                        handler.recovered(socket, rooms: rooms)
                    } else {
                        socket.pid = self.recovery?.directory.makePrivateID()
                        socket.receivesOffsets = self.recovery != nil && self.keepsOffsets
                        socket.join(socket.id)
                        socket.send(.connect(namespace: namespace, data: Self.connectAnswer(socket)))
                        handler.connected(socket)
                    }
                    self.writeRecord(of: socket)
                }
            case .success(let refusal?):
                self.loopState.countConnect(accepted: false)
                socket.send(SocketIOPacket(type: .connectError, namespace: namespace, data: .object(refusal)))
            case .failure:
                socket.send(.connectError(namespace: namespace, message: "Internal error"))
            }
        }
    }

    /// With recovery on and `auth` naming a kept socket of the same identity (`pid` and
    /// `offset`, as the official client sends them) whose missed broadcasts are all kept, gives
    /// `socket` its old id and pid, answers its CONNECT, sends it the broadcasts it missed, and
    /// carries the rooms it had; nil (a new socket) otherwise. Completes on the session's loop.
    private func recover(
        _ socket: SocketIOSocket, handler: SocketIONamespaceHandler, auth: JSONValue?
    ) -> EventLoopFuture<Set<String>?>.Isolated {
        let loop = self.session.eventLoop
        guard let recovery = self.recovery, case .string(let pid)? = auth?["pid"], case .string(let offsetText)? = auth?["offset"],
            let offset = BroadcastOffset(offsetText)
        else { return loop.makeSucceededFuture(nil).assumeIsolated() }
        let identity = handler.recoveryIdentity(of: socket)
        let namespace = socket.namespace
        return recovery.live.dropStale(pid: pid, namespace: namespace, identity: identity, on: loop).flatMap {
            recovery.directory.take(pid: pid, namespace: namespace, on: loop)
        }.assumeIsolated().map { saved in
            guard let saved, saved.identity == identity, !self.session.isClosed,
                let replay = recovery.store.missed(after: offset, by: saved)
            else { return nil }
            socket.id = saved.socketID
            socket.pid = pid
            socket.receivesOffsets = true
            socket.replayedThrough = replay.through
            self.loopState.countRecovery()
            socket.send(.connect(namespace: socket.namespace, data: Self.connectAnswer(socket)))
            for frames in replay.missed {
                self.session.send(frames)
            }
            return saved.rooms
        }
    }

    /// The socket as recovery keeps it, now.
    private func record(of socket: SocketIOSocket) -> SocketIOSavedSocket {
        SocketIOSavedSocket(
            socketID: socket.id, namespace: socket.namespace, rooms: socket.rooms,
            identity: self.namespaces[socket.namespace]?.recoveryIdentity(of: socket), at: .now()
        )
    }

    /// Tells the recovery directory the socket is connected, with its rooms (in a cluster,
    /// written to Redis, so that a node that dies loses no socket), and keeps it among the live ones.
    private func writeRecord(of socket: SocketIOSocket) {
        guard let recovery = self.recovery, let pid = socket.pid, socket.isConnected else { return }
        let record = self.record(of: socket)
        recovery.live.register(pid: pid, session: self.session, namespace: socket.namespace, identity: record.identity)
        recovery.directory.connected(pid: pid, record)
    }

    /// A socket's rooms changed: its record is written once this loop turn is over (a handler
    /// joins several rooms at once).
    func roomsChanged(_ socket: SocketIOSocket) {
        guard let recovery = self.recovery, recovery.directory.keepsConnectedSockets, socket.pid != nil,
            !socket.recordWritePending
        else { return }
        socket.recordWritePending = true
        self.session.eventLoop.assumeIsolated().execute {
            socket.recordWritePending = false
            guard let pid = socket.pid, socket.isConnected else { return }
            recovery.directory.changed(pid: pid, self.record(of: socket))
        }
    }

    /// Whether the session's client keeps broadcasts' offsets: a browser's (the official client
    /// and zenith.js do; their User-Agent is of the Mozilla/5.0 family). Other Socket.IO clients,
    /// python-socketio among them, would hand the offset to their handlers as an extra argument.
    private var keepsOffsets: Bool {
        self.session.handshake.head.headers["user-agent"].contains { $0.hasPrefix("Mozilla/") }
    }

    /// `{"sid": id}`, and `"pid"` with recovery on.
    private static func connectAnswer(_ socket: SocketIOSocket) -> JSONObject {
        guard let pid = socket.pid else { return ["sid": .string(socket.id)] }
        return ["sid": .string(socket.id), "pid": .string(pid)]
    }

    /// Takes a socket out of its namespace and tells the namespace handler why; with recovery
    /// on, the socket is kept to come back when its connection was lost, forgotten otherwise.
    func socketLeft(_ socket: SocketIOSocket, reason: String) {
        guard self.sockets[socket.namespace] === socket else { return }
        if let recovery = self.recovery, let pid = socket.pid {
            recovery.live.unregister(pid: pid, session: self.session)
            if Self.recoverableReasons.contains(reason) {
                recovery.directory.lost(pid: pid, self.record(of: socket))
            } else {
                recovery.directory.left(pid: pid)
            }
        }
        self.sockets.removeValue(forKey: socket.namespace)
        socket.tearDown()
        self.namespaces[socket.namespace]?.disconnected(socket, reason: reason)
    }

    private func protocolViolation(_ reason: String) {
        self.loopState.logProtocolViolation(reason, session: self.session.id)
        self.session.close()
    }
}

extension EngineIOSession {
    func send(contentsOf packet: SocketIOPacket) {
        for frame in packet.engineIOFrames() {
            self.send(frame)
        }
    }
}
