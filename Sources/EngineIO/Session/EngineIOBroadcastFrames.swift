import NIOCore

/// The frames of one broadcast, encoded once for every recipient: as Engine.IO frames (for
/// polling recipients and queues) and as finished WebSocket frames, all in one buffer, for
/// WebSocket recipients that can take them at once.
///
/// Written to a WebSocket as they are, the bytes cost a recipient one pipeline write of a shared
/// buffer, instead of a frame encoded per recipient (an allocation and a second iovec each with
/// NIO's `WebSocketFrameEncoder`, which the fan-out profile showed as the largest user-space cost
/// after batching the flushes).
public struct EngineIOBroadcastFrames: Sendable {
    public let frames: [EngineIOFrame]
    /// Every frame as an unmasked, final WebSocket frame (RFC 6455 §5.2), back to back.
    let webSocketBytes: ByteBuffer

    public init(_ frames: [EngineIOFrame]) {
        self.frames = frames
        var bytes = ByteBuffer()
        bytes.reserveCapacity(frames.reduce(0) { $0 + $1.byteCount + 10 })
        for frame in frames {
            switch frame {
            case .text(let payload): bytes.writeWebSocketFrame(opcode: 0x1, payload: payload)
            case .binary(let payload): bytes.writeWebSocketFrame(opcode: 0x2, payload: payload)
            }
        }
        self.webSocketBytes = bytes
    }
}
