import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import EngineIO

@Suite("broadcast frames encoded once as WebSocket frames")
struct EngineIOBroadcastFramesTests {
    /// What NIOWebSocket's own encoder writes for the same frames, concatenated.
    private func encodedByNIO(_ frames: [EngineIOFrame]) throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        for frame in frames {
            switch frame {
            case .text(let data): try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, data: data))
            case .binary(let data): try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .binary, data: data))
            }
        }
        var all = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) {
            all.writeBuffer(&part)
        }
        _ = try channel.finish()
        return all
    }

    @Test("the bytes equal NIOWebSocket's encoding for every length form", arguments: [0, 1, 125, 126, 65535, 65536, 200_000])
    func sameAsEncoder(length: Int) throws {
        let frames: [EngineIOFrame] = [
            .text(ByteBuffer(string: "4" + String(repeating: "x", count: length))),
            .binary(ByteBuffer(bytes: [UInt8](repeating: 7, count: length))),
        ]
        #expect(EngineIOBroadcastFrames(frames).webSocketBytes == (try encodedByNIO(frames)))
    }
}
