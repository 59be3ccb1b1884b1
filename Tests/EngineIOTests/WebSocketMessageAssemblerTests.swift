import NIOCore
import NIOWebSocket
import Testing

@testable import EngineIO

@Suite("WebSocket messages joined from fragments, with NIO's aggregator's limits")
struct WebSocketMessageAssemblerTests {
    private let allocator = ByteBufferAllocator()

    private func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool, masked: Bool = false) -> WebSocketFrame {
        var frame = WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(string: text))
        if masked {
            let key: WebSocketMaskingKey = [1, 2, 3, 4]
            var data = ByteBuffer(string: text)
            data.webSocketMask(key)
            frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
        }
        return frame
    }

    @Test("an unfragmented message passes as it came")
    func wholeMessage() throws {
        var assembler = WebSocketMessageAssembler(maxFragments: 256, maxSize: 100)
        let message = try assembler.take(self.frame(.text, "4hello", fin: true), allocator: self.allocator)
        #expect(message.map { String(buffer: $0.unmaskedData) } == "4hello")
    }

    @Test("fragments, masked as clients send them, become one unmasked message of the first opcode")
    func joinsFragments() throws {
        var assembler = WebSocketMessageAssembler(maxFragments: 256, maxSize: 100)
        #expect(try assembler.take(self.frame(.text, "4he", fin: false, masked: true), allocator: self.allocator) == nil)
        #expect(try assembler.take(self.frame(.continuation, "ll", fin: false, masked: true), allocator: self.allocator) == nil)
        let message = try assembler.take(self.frame(.continuation, "o", fin: true, masked: true), allocator: self.allocator)
        #expect(message?.opcode == .text)
        #expect(message.map { String(buffer: $0.unmaskedData) } == "4hello")
        // Nothing is held after it: the next message stands alone.
        #expect(try assembler.take(self.frame(.binary, "x", fin: true), allocator: self.allocator)?.opcode == .binary)
    }

    @Test("a continuation with no message started, or a new message before the last ended, is refused")
    func outOfOrder() throws {
        var assembler = WebSocketMessageAssembler(maxFragments: 256, maxSize: 100)
        #expect(throws: WebSocketMessageAssembler.Failure.continuationWithoutStart) {
            try assembler.take(self.frame(.continuation, "x", fin: true), allocator: self.allocator)
        }
        _ = try assembler.take(self.frame(.text, "4a", fin: false), allocator: self.allocator)
        #expect(throws: WebSocketMessageAssembler.Failure.newMessageBeforeEnd) {
            try assembler.take(self.frame(.text, "4b", fin: true), allocator: self.allocator)
        }
    }

    @Test("a message above the size bound, or in more fragments than allowed, is refused")
    func limits() throws {
        var sized = WebSocketMessageAssembler(maxFragments: 256, maxSize: 4)
        _ = try sized.take(self.frame(.text, "4ab", fin: false), allocator: self.allocator)
        #expect(throws: WebSocketMessageAssembler.Failure.tooLarge) {
            try sized.take(self.frame(.continuation, "cd", fin: true), allocator: self.allocator)
        }
        var counted = WebSocketMessageAssembler(maxFragments: 3, maxSize: 100)
        _ = try counted.take(self.frame(.text, "4a", fin: false), allocator: self.allocator)
        _ = try counted.take(self.frame(.continuation, "b", fin: false), allocator: self.allocator)
        #expect(throws: WebSocketMessageAssembler.Failure.tooManyFragments) {
            try counted.take(self.frame(.continuation, "c", fin: false), allocator: self.allocator)
        }
    }
}
