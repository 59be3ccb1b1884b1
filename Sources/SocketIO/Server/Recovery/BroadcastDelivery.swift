import EngineIO

/// One broadcast as its recipients get it: the frames every socket can take, and, with recovery
/// on, the frames that also carry the broadcast's offset, for the sockets that keep offsets
/// (browsers: the official client and zenith.js; other clients, python-socketio among them, hand
/// an extra argument to their handlers, so they get the plain frames).
struct BroadcastDelivery: Sendable {
    var plain: EngineIOBroadcastFrames
    /// Nil without recovery.
    var withOffset: EngineIOBroadcastFrames?
    var offset: BroadcastOffset?

    /// The frames for `socket`, or nil when its recovery replay already carried this broadcast.
    func frames(for socket: SocketIOSocket) -> EngineIOBroadcastFrames? {
        guard let offset, let withOffset else { return self.plain }
        if offset <= socket.replayedThrough { return nil }
        return socket.receivesOffsets ? withOffset : self.plain
    }
}
