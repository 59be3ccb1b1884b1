import NIOCore
import NIOWebSocket

/// Reads WebSocket frames (RFC 6455 §5.2) out of the bytes a connection receives, with the checks
/// of NIO's `WebSocketFrameDecoder`: a frame longer than `maxFrameSize`, a fragmented control
/// frame or one longer than 125 bytes is a `NIOWebSocketError`, raised as soon as the frame's
/// length is known.
///
/// Kept inside `WebSocketTransport` instead of a `ByteToMessageHandler(WebSocketFrameDecoder)` of
/// its own: that handler, its decoder object, its buffers and its pipeline context cost every
/// idle WebSocket about 600 bytes (heaptrack, release build). Bytes are held only while a frame is
/// incomplete.
struct WebSocketFrameReader {
    private let maxFrameSize: Int
    /// Received bytes not read as a frame yet; nil when there are none, so that NIO can reuse its
    /// read buffer.
    private var pending: ByteBuffer?

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Adds bytes the connection received.
    mutating func receive(_ bytes: ByteBuffer) {
        if self.pending == nil {
            self.pending = bytes
        } else {
            var bytes = bytes
            self.pending!.writeBuffer(&bytes)
        }
    }

    /// The next whole frame, or nil until all of it has arrived.
    mutating func nextFrame() throws(NIOWebSocketError) -> WebSocketFrame? {
        guard var buffer = self.pending,
            let first = buffer.readInteger(as: UInt8.self),
            let second = buffer.readInteger(as: UInt8.self)
        else { return nil }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let word = buffer.readInteger(as: UInt16.self) else { return nil }
            length = Int(word)
        } else if length == 127 {
            guard let qword = buffer.readInteger(as: UInt64.self) else { return nil }
            guard qword <= UInt64(Int.max) else { throw .invalidFrameLength }
            length = Int(qword)
        }
        try self.validate(first: first, length: length)
        var maskKey: WebSocketMaskingKey?
        if second & 0x80 != 0 {
            guard buffer.readableBytes >= 4 else { return nil }
            maskKey = WebSocketMaskingKey(buffer.readableBytesView.prefix(4))
            buffer.moveReaderIndex(forwardBy: 4)
        }
        guard let data = buffer.readSlice(length: length) else { return nil }
        self.pending = buffer.readableBytes == 0 ? nil : buffer
        return WebSocketFrame(
            fin: first & 0x80 != 0, rsv1: first & 0x40 != 0, rsv2: first & 0x20 != 0, rsv3: first & 0x10 != 0,
            opcode: WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!, maskKey: maskKey, data: data
        )
    }

    /// Lets go of the bytes held (the connection is closing).
    mutating func discard() {
        self.pending = nil
    }

    private func validate(first: UInt8, length: Int) throws(NIOWebSocketError) {
        if length > self.maxFrameSize {
            throw .invalidFrameLength
        }
        let isControlFrame = first & 0x08 != 0
        if isControlFrame && first & 0x80 == 0 {
            throw .fragmentedControlFrame
        }
        if isControlFrame && length > 125 {
            throw .multiByteControlFrameLength
        }
    }
}
