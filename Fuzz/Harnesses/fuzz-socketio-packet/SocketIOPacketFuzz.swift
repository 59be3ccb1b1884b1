import FuzzSupport
import SocketIOFuzzSupport

@testable import SocketIO

/// Feeds the input as the text of one Engine.IO message to `SocketIOPacket.decode` (type,
/// attachment count, namespace, ack id, then `JSONParser` on the rest), with the server's limit
/// of 10 attachments. Inputs that are not UTF-8 are skipped: Engine.IO refuses them first.
///
/// Invariants, for an accepted packet:
/// - the fields are in range: namespace starts with `/` and has no `,`; the id is at most
///   `maxID` and only on events and acks (required on acks); binary types have 1...10
///   attachments, others none; an event has a string name;
/// - encode → decode gives an equal packet (unless a number was out of double range: then
///   the encoded text is a fixed point), and a second encode gives the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let text = String(validating: input, as: UTF8.self) else { return -1 }
    guard let packet = try? SocketIOPacket.decode(text, maxAttachments: 10) else { return 0 }

    require(SocketIOPacket.isValidNamespace(packet.namespace), "namespace \(packet.namespace.debugDescription)")
    if let id = packet.id {
        require((0...SocketIOPacket.maxID).contains(id), "id \(id)")
        require([.event, .binaryEvent, .ack, .binaryAck].contains(packet.type), "id on a \(packet.type)")
    } else {
        require(packet.type != .ack && packet.type != .binaryAck, "ack without id")
    }
    if packet.type.isBinary {
        require((1...10).contains(packet.attachmentCount), "\(packet.attachmentCount) attachments")
    } else {
        require(packet.attachmentCount == 0, "\(packet.attachmentCount) attachments on a \(packet.type)")
    }
    if packet.type == .event || packet.type == .binaryEvent {
        require(packet.eventName != nil, "event without a name")
    }

    let encoded = packet.encode()
    let again: SocketIOPacket
    do {
        again = try SocketIOPacket.decode(encoded, maxAttachments: 10)
    } catch {
        require(false, "\(packet) encodes to \(encoded.debugDescription), which does not decode: \(error)")
        return 0
    }
    if packet.data?.hasNonFiniteNumber != true {
        require(again == packet, "round trip: \(packet) -> \(encoded.debugDescription) -> \(again)")
    }
    require(again.encode() == encoded, "encoding is not a fixed point: \(encoded.debugDescription) -> \(again.encode().debugDescription)")
    return 0
}

@_cdecl("fuzz_socketio_packet_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
