import FuzzSupport
import NIOCore
import SocketIOFuzzSupport

@testable import SocketIO

/// Feeds the input as the Engine.IO messages of one connection, split at 0x1E: a record that
/// starts with `b` is a binary message (an attachment: the bytes after the `b`), any other a
/// text message, decoded with `SocketIOPacket.decode` (skipped when not UTF-8). Every decoded
/// packet goes through `SocketIOBinaryAssembler.receive(_:)` and every attachment through
/// `receive(attachment:)`, as the Socket.IO client connection does; the first error ends the
/// connection (and the run). Limits are small (4 attachments, 64 bytes) so they are reached.
///
/// Invariants:
/// - a text packet passes through unchanged; a binary one is held (`isAwaitingAttachments`);
/// - an assembled packet is an event or ack, has no attachment count, no placeholder left,
///   only binary values that are attachments received for it, and came after exactly
///   `attachmentCount` attachments totalling at most the byte limit;
/// - deconstructing an assembled packet, encoding and decoding the text, and assembling it again
///   with the split-off buffers gives the same packet back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let limits = SocketIOBinaryAssembler.Limits(maxAttachments: 4, maxTotalBytes: 64)
    var assembler = SocketIOBinaryAssembler(limits: limits)
    var held: SocketIOPacket?
    var attachments: [ByteBuffer] = []
    for record in records(fuzzInput(data, size), separator: 0x1E) {
        if record.first == UInt8(ascii: "b") {
            let attachment = ByteBuffer(bytes: record.dropFirst())
            guard let assembled = try? assembler.receive(attachment: attachment) else {
                if assembler.isAwaitingAttachments {
                    attachments.append(attachment)
                    continue
                }
                return 0  // an error ends the connection
            }
            attachments.append(attachment)
            check(assembled, from: held!, attachments: attachments, limits: limits)
            require(!assembler.isAwaitingAttachments, "still awaiting after assembling")
            held = nil
            attachments = []
        } else {
            guard let text = String(validating: record, as: UTF8.self),
                let packet = try? SocketIOPacket.decode(text, maxAttachments: 10)
            else { return 0 }
            let passed: SocketIOPacket?
            do {
                passed = try assembler.receive(packet)
            } catch {
                return 0
            }
            if packet.type.isBinary {
                require(passed == nil && assembler.isAwaitingAttachments, "binary packet not held")
                held = packet
            } else {
                require(passed == packet, "text packet changed: \(packet) -> \(String(describing: passed))")
            }
        }
    }
    return 0
}

func check(_ assembled: SocketIOPacket, from packet: SocketIOPacket, attachments: [ByteBuffer], limits: SocketIOBinaryAssembler.Limits) {
    require(assembled.type == (packet.type == .binaryEvent ? .event : .ack), "\(packet.type) assembled as \(assembled.type)")
    require(assembled.attachmentCount == 0, "assembled with attachment count \(assembled.attachmentCount)")
    require(attachments.count == packet.attachmentCount, "\(attachments.count) attachments for \(packet.attachmentCount)")
    require(attachments.map(\.readableBytes).reduce(0, +) <= limits.maxTotalBytes, "attachments past the byte limit")
    require(assembled.namespace == packet.namespace && assembled.id == packet.id, "namespace or id changed")
    let binaries = assembled.data?.binaryValues ?? []
    require(assembled.data?.hasPlaceholder != true, "placeholder left in \(assembled)")
    for case .binary(let buffer) in binaries {
        require(attachments.contains(buffer), "binary value that is no attachment")
    }

    // Split it up again, through text, and put it back together.
    let (split, buffers) = SocketIOBinaryAssembler.deconstruct(assembled)
    require(buffers.count == binaries.count, "\(buffers.count) buffers for \(binaries.count) binary values")
    var resent = split
    if split.data?.hasNonFiniteNumber != true {
        let text = split.encode()
        guard let decoded = try? SocketIOPacket.decode(text, maxAttachments: Int.max) else {
            require(false, "deconstructed packet \(text.debugDescription) does not decode")
            return
        }
        require(decoded == split, "deconstructed packet changed through text: \(split) -> \(decoded)")
        resent = decoded
    }
    var again = SocketIOBinaryAssembler(limits: .init(maxAttachments: .max, maxTotalBytes: .max))
    var result = try? again.receive(resent)
    for buffer in buffers {
        require(result == nil, "assembled before all buffers came")
        result = try? again.receive(attachment: buffer)
    }
    require(result == assembled, "reassembly gave \(String(describing: result)), not \(assembled)")
}

@_cdecl("fuzz_binary_assembler_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
