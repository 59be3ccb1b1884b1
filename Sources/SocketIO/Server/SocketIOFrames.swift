import EngineIO
import NIOCore

extension SocketIOPacket {
    /// The Engine.IO frames that carry this packet: one `message` with the packet text and, for
    /// binary data, one binary frame per attachment. Encoded once; a broadcast sends these same
    /// bytes to every recipient.
    func engineIOFrames() -> [EngineIOFrame] {
        let (packet, attachments) = SocketIOBinaryAssembler.deconstruct(self)
        var text = ByteBuffer()
        text.writeInteger(UInt8(ascii: "4"))
        packet.write(into: &text)
        return [.text(text)] + attachments.map { .binary($0) }
    }
}
