import NIOCore
import SocketIO
import Testing
import ZenithJSON

@Suite("Socket.IO binary attachments")
struct SocketIOBinaryAssemblerTests {
    private func placeholder(_ num: JSONValue) -> JSONValue { ["_placeholder": true, "num": num] }

    @Test("a binary event is held until its attachment arrives, then comes back as an event with the bytes")
    func assemblesOneAttachment() throws {
        var assembler = SocketIOBinaryAssembler()
        let packet = try SocketIOPacket.decode(#"51-["baz",{"_placeholder":true,"num":0}]"#, maxAttachments: 10)
        #expect(try assembler.receive(packet) == nil)
        #expect(assembler.isAwaitingAttachments)
        let assembled = try assembler.receive(attachment: ByteBuffer(bytes: [1, 2, 3, 4]))
        #expect(assembled == SocketIOPacket(type: .event, data: ["baz", .binary(ByteBuffer(bytes: [1, 2, 3, 4]))]))
        #expect(!assembler.isAwaitingAttachments)
    }

    @Test("several attachments fill their placeholders by number, wherever they are nested")
    func assemblesSeveral() throws {
        var assembler = SocketIOBinaryAssembler()
        let packet = SocketIOPacket(
            type: .binaryAck, namespace: "/admin", id: 3,
            data: [["b": placeholder(1), "list": [placeholder(0)]], placeholder(1)], attachmentCount: 2
        )
        #expect(try assembler.receive(packet) == nil)
        #expect(try assembler.receive(attachment: ByteBuffer(bytes: [0xA])) == nil)
        let assembled = try assembler.receive(attachment: ByteBuffer(bytes: [0xB]))
        let a = JSONValue.binary(ByteBuffer(bytes: [0xA])), b = JSONValue.binary(ByteBuffer(bytes: [0xB]))
        #expect(assembled == SocketIOPacket(type: .ack, namespace: "/admin", id: 3, data: [["b": b, "list": [a]], b]))
    }

    @Test("a text packet passes straight through")
    func textPassesThrough() throws {
        var assembler = SocketIOBinaryAssembler()
        let packet = SocketIOPacket.event("hello")
        #expect(try assembler.receive(packet) == packet)
    }

    @Test("a text packet while attachments are awaited is an error")
    func textWhileAwaiting() throws {
        var assembler = SocketIOBinaryAssembler()
        _ = try assembler.receive(SocketIOPacket(type: .binaryEvent, data: ["a", placeholder(0)], attachmentCount: 1))
        #expect(throws: SocketIODecodingError.expectedAttachment) { try assembler.receive(SocketIOPacket.event("b")) }
    }

    @Test("an attachment with no packet waiting is an error")
    func attachmentWithoutPacket() {
        var assembler = SocketIOBinaryAssembler()
        #expect(throws: SocketIODecodingError.unexpectedAttachment) { try assembler.receive(attachment: ByteBuffer(bytes: [1])) }
    }

    @Test("a placeholder index outside the attachments is an error", arguments: [
        JSONValue.int(1), .int(-1), .double(0.5), .string("0"), .null,
    ])
    func badPlaceholder(num: JSONValue) throws {
        var assembler = SocketIOBinaryAssembler()
        _ = try assembler.receive(SocketIOPacket(type: .binaryEvent, data: ["a", placeholder(num)], attachmentCount: 1))
        #expect(throws: SocketIODecodingError.invalidPlaceholder) { try assembler.receive(attachment: ByteBuffer(bytes: [1])) }
    }

    @Test("attachments beyond the byte limit are an error, exactly at it is fine")
    func byteLimit() throws {
        let limits = SocketIOBinaryAssembler.Limits(maxAttachments: 10, maxTotalBytes: 4)
        let packet = SocketIOPacket(type: .binaryEvent, data: ["a", placeholder(0), placeholder(1)], attachmentCount: 2)

        var fits = SocketIOBinaryAssembler(limits: limits)
        _ = try fits.receive(packet)
        _ = try fits.receive(attachment: ByteBuffer(bytes: [1, 2]))
        #expect(try fits.receive(attachment: ByteBuffer(bytes: [3, 4])) != nil)

        var tooMany = SocketIOBinaryAssembler(limits: limits)
        _ = try tooMany.receive(packet)
        _ = try tooMany.receive(attachment: ByteBuffer(bytes: [1, 2, 3]))
        #expect(throws: SocketIODecodingError.attachmentsTooLarge(limit: 4)) { try tooMany.receive(attachment: ByteBuffer(bytes: [4, 5])) }
    }

    @Test("more attachments than the assembler allows is an error")
    func attachmentCountLimit() {
        var assembler = SocketIOBinaryAssembler(limits: .init(maxAttachments: 1, maxTotalBytes: 100))
        let packet = SocketIOPacket(type: .binaryEvent, data: ["a"], attachmentCount: 2)
        #expect(throws: SocketIODecodingError.tooManyAttachments(limit: 1)) { try assembler.receive(packet) }
    }

    @Test("reset forgets a half-received packet")
    func reset() throws {
        var assembler = SocketIOBinaryAssembler()
        _ = try assembler.receive(SocketIOPacket(type: .binaryEvent, data: ["a", placeholder(0)], attachmentCount: 1))
        assembler.reset()
        #expect(!assembler.isAwaitingAttachments)
        #expect(try assembler.receive(SocketIOPacket.event("b")) != nil)
    }

    @Test("deconstructing swaps buffers for numbered placeholders and switches to the binary type")
    func deconstructs() {
        let first = ByteBuffer(bytes: [1]), second = ByteBuffer(bytes: [2, 2])
        let packet = SocketIOPacket.event("upload", [["file": .binary(first), "meta": ["n": 1]], .binary(second)], id: 5)
        let (split, buffers) = SocketIOBinaryAssembler.deconstruct(packet)
        #expect(split.type == .binaryEvent)
        #expect(split.attachmentCount == 2)
        #expect(buffers == [first, second])
        #expect(split.data == ["upload", ["file": placeholder(0), "meta": ["n": 1]], placeholder(1)])
        #expect(split.encode() == #"52-5["upload",{"file":{"_placeholder":true,"num":0},"meta":{"n":1}},{"_placeholder":true,"num":1}]"#)
    }

    @Test("an ack with binary becomes a binary ack")
    func deconstructsAck() {
        let (split, buffers) = SocketIOBinaryAssembler.deconstruct(.ack(id: 2, [.binary(ByteBuffer(bytes: [7]))]))
        #expect(split.type == .binaryAck)
        #expect(split.encode() == #"61-2[{"_placeholder":true,"num":0}]"#)
        #expect(buffers.count == 1)
    }

    @Test("a packet without binary data is left as it is")
    func nothingToDeconstruct() {
        let packet = SocketIOPacket.event("plain", [1, "two"])
        let (split, buffers) = SocketIOBinaryAssembler.deconstruct(packet)
        #expect(split == packet)
        #expect(buffers.isEmpty)
    }

    @Test("deconstruct, encode, decode and assemble give the original packet back")
    func fullRoundTrip() throws {
        let original = SocketIOPacket.event(
            "e", [.binary(ByteBuffer(bytes: Array(0...255))), ["x": [.binary(ByteBuffer(bytes: []))]], "text"], namespace: "/files", id: 42
        )
        let (text, attachments) = original.encodeWithAttachments()
        var assembler = SocketIOBinaryAssembler()
        var result = try assembler.receive(SocketIOPacket.decode(text, maxAttachments: 10))
        for attachment in attachments {
            #expect(result == nil)
            result = try assembler.receive(attachment: attachment)
        }
        #expect(result == original)
    }
}
