import EngineIO
import NIOCore

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

extension EngineIOBroadcastFrames {
    /// An event's frames with `offset` added as the last element of its data array: the text
    /// frame without its closing `]`, then `,"<offset>"]` (attachments, if any, unchanged). So
    /// recovery encodes a broadcast's arguments once, not once per form. (An event's packet
    /// always ends with its data array; frames that do not are returned as they are.)
    func appendingOffset(_ offset: BroadcastOffset) -> EngineIOBroadcastFrames {
        guard case .text(let text)? = self.frames.first, text.readableBytes > 0,
            text.getInteger(at: text.readerIndex + text.readableBytes - 1, as: UInt8.self) == UInt8(ascii: "]")
        else { return self }
        let mark = offset.description
        var withOffset = ByteBuffer()
        withOffset.reserveCapacity(text.readableBytes + mark.utf8.count + 3)
        withOffset.writeImmutableBuffer(text.getSlice(at: text.readerIndex, length: text.readableBytes - 1)!)
        withOffset.writeString(",\"")
        withOffset.writeString(mark)
        withOffset.writeString("\"]")
        return EngineIOBroadcastFrames([.text(withOffset)] + self.frames.dropFirst())
    }
}
