import FuzzSupport
import NIOCore

@testable import EngineIO

/// Feeds the input as the payload of a WebSocket text frame to `EngineIOPacket.decode(webSocketText:)`
/// (the `decodeText` every Engine.IO packet goes through), and the same bytes as one polling
/// record (`decodeText` with base64 allowed).
///
/// Invariants, for an accepted frame:
/// - encoding gives back exactly the input bytes (`webSocketText()` and `writeWebSocketText`):
///   the decoder is strict, so every accepted frame has one meaning and one spelling;
/// - the polling form of the packet decodes back to the same packet (when the text holds no
///   0x1E, the record separator, which the v4 framing assumes a text packet never contains);
/// - the polling decoder agrees with the WebSocket one on every input that does not start with
///   the polling-only `b` prefix.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let frame = ByteBuffer(bytes: input)
    let webSocket = Result { () throws(EngineIODecodingError) in try EngineIOPacket.decode(webSocketText: frame) }
    let polling = input.withUnsafeBytes { bytes in
        Result { () throws(EngineIODecodingError) in try EngineIOPacket.decodeText(bytes, allowBase64: true, validateUTF8: true) }
    }
    if input.first != UInt8(ascii: "b") {
        require(webSocket == polling, "WebSocket decoding \(webSocket), polling decoding \(polling) of \(hex(input))")
    }
    // A text packet holding 0x1E has no polling form (the v4 framing assumes none does).
    if case .success(let packet) = polling, !input.contains(EngineIOPayload.separator) {
        var pollingForm = ByteBuffer()
        EngineIOPayload.encode([packet], into: &pollingForm)
        let again = try? EngineIOPayload.decode(pollingForm, maxPackets: 1)
        require(again == [packet], "polling round trip of \(packet) gave \(String(describing: again))")
    }
    guard case .success(let packet) = webSocket else { return 0 }
    require(Array((packet.webSocketText() ?? "").utf8) == input, "\(packet) encodes to \(String(describing: packet.webSocketText())), not the input \(hex(input))")
    var written = ByteBuffer()
    require(packet.writeWebSocketText(into: &written), "a text frame decoded to a binary message")
    require(Array(written.readableBytesView) == input, "writeWebSocketText of \(packet) differs from the input \(hex(input))")
    return 0
}

@_cdecl("fuzz_engineio_packet_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
