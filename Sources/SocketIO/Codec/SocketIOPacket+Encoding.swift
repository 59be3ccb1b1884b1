import NIOCore
import ZenithJSON

extension SocketIOPacket {
    /// The encoded packet, `<type>[<attachments>-][<namespace>,][<id>][<json>]` (Socket.IO v5):
    /// the namespace is left out when it is `/`, the attachment count is written for binary types
    /// only. The text of one Engine.IO `message` packet.
    ///
    /// `binary` values in the data are written as `null`: call ``SocketIOBinaryAssembler/deconstruct(_:)``
    /// (or ``encodeWithAttachments()``) first. A namespace must not contain `,`, which ends it on the
    /// wire (see ``isValidNamespace(_:)``).
    public func encode() -> String {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        write(into: &buffer)
        return String(buffer: buffer)
    }

    /// Appends the encoded packet to `buffer`; for broadcasts, encode once and share the bytes.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "0") &+ type.rawValue)
        if type.isBinary {
            JSONSerializer.writeInteger(Int64(attachmentCount), into: &buffer)
            buffer.writeInteger(UInt8(ascii: "-"))
        }
        if !namespace.isEmpty, namespace != "/" {
            buffer.writeString(namespace)
            buffer.writeInteger(UInt8(ascii: ","))
        }
        if let id {
            JSONSerializer.writeInteger(Int64(id), into: &buffer)
        }
        if let data {
            data.write(into: &buffer)
        }
    }

    /// Deconstructs `binary` values into placeholders and encodes: the text packet followed by
    /// the attachments to send after it, each as its own binary Engine.IO message.
    public func encodeWithAttachments() -> (text: String, attachments: [ByteBuffer]) {
        let (packet, attachments) = SocketIOBinaryAssembler.deconstruct(self)
        return (packet.encode(), attachments)
    }

    /// Whether `namespace` can go on the wire: it starts with `/` and has no `,`.
    public static func isValidNamespace(_ namespace: String) -> Bool {
        namespace.utf8.first == UInt8(ascii: "/") && !namespace.utf8.contains(UInt8(ascii: ","))
    }
}
