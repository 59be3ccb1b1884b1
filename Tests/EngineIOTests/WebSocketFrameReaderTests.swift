import NIOCore
import NIOWebSocket
import Testing

@testable import EngineIO

@Suite("WebSocket frames read from received bytes, with NIO's decoder's checks")
struct WebSocketFrameReaderTests {
    /// A client frame: masked, FIN as given, the length in the shortest form.
    private func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> ByteBuffer {
        let mask: [UInt8] = [9, 8, 7, 6]
        var bytes = ByteBuffer(bytes: [(fin ? 0x80 : 0) | opcode])
        if payload.count < 126 {
            bytes.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.writeInteger(UInt8(0x80 | 126))
            bytes.writeInteger(UInt16(payload.count))
        } else {
            bytes.writeInteger(UInt8(0x80 | 127))
            bytes.writeInteger(UInt64(payload.count))
        }
        bytes.writeBytes(mask)
        bytes.writeBytes(payload.enumerated().map { $1 ^ mask[$0 % 4] })
        return bytes
    }

    @Test("frames arriving byte by byte, and several in one read, come out whole and in order")
    func splitAndJoinedReads() throws {
        var reader = WebSocketFrameReader(maxFrameSize: 100_000)
        var wire = self.clientFrame(0x1, Array("4hello".utf8))
        wire.writeImmutableBuffer(self.clientFrame(0x1, [UInt8](repeating: 0x61, count: 300)))
        wire.writeImmutableBuffer(self.clientFrame(0x9, Array("ping".utf8)))
        var frames: [WebSocketFrame] = []
        while let byte = wire.readSlice(length: 1) {
            reader.receive(byte)
            while let frame = try reader.nextFrame() { frames.append(frame) }
        }
        #expect(frames.map(\.opcode) == [.text, .text, .ping])
        #expect(String(buffer: frames[0].unmaskedData) == "4hello")
        #expect(frames[1].unmaskedData.readableBytes == 300)
        #expect(String(buffer: frames[2].unmaskedData) == "ping")
    }

    @Test("a frame above the bound is refused as soon as its length is read")
    func tooLong() {
        var reader = WebSocketFrameReader(maxFrameSize: 100)
        reader.receive(self.clientFrame(0x1, [UInt8](repeating: 0x61, count: 200)).getSlice(at: 0, length: 4)!)
        #expect(throws: NIOWebSocketError.invalidFrameLength) { try reader.nextFrame() }
    }

    @Test("a fragmented control frame, or one above 125 bytes, is refused")
    func badControlFrames() {
        var fragmented = WebSocketFrameReader(maxFrameSize: 1000)
        fragmented.receive(self.clientFrame(0x9, [1], fin: false))
        #expect(throws: NIOWebSocketError.fragmentedControlFrame) { try fragmented.nextFrame() }
        var long = WebSocketFrameReader(maxFrameSize: 1000)
        long.receive(self.clientFrame(0x8, [UInt8](repeating: 0, count: 126)))
        #expect(throws: NIOWebSocketError.multiByteControlFrameLength) { try long.nextFrame() }
    }
}
