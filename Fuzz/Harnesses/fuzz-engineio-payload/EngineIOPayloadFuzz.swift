import FuzzSupport
import NIOCore

@testable import EngineIO

/// Feeds the input as the body of a polling POST to `EngineIOPayload.decode` (records split at
/// 0x1E, `b`+base64 binary messages through the strict `Base64` decoder), with the limit of 16
/// packets per payload.
///
/// Invariants:
/// - an accepted body has one packet per record and encodes (`EngineIOPayload.encode`) back to
///   exactly the input bytes (strict decoding: one spelling per payload, base64 included);
/// - a body refused as `tooManyPackets` has more records than the limit, and a body with more
///   records than the limit is never accepted;
/// - a binary message re-encoded with `Base64.encode` decodes (`Base64.decode`) to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let limit = 16
    let recordCount = records(input, separator: EngineIOPayload.separator).count
    let packets: [EngineIOPacket]
    do throws(EngineIODecodingError) {
        packets = try EngineIOPayload.decode(ByteBuffer(bytes: input), maxPackets: limit)
    } catch .tooManyPackets(let reported) {
        require(reported == limit && recordCount > limit, "tooManyPackets for \(recordCount) records")
        return 0
    } catch {
        return 0
    }
    require(packets.count == recordCount, "\(packets.count) packets from \(recordCount) records")
    require(packets.count <= limit, "\(packets.count) packets past the limit \(limit)")
    var encoded = ByteBuffer()
    EngineIOPayload.encode(packets, into: &encoded)
    require(Array(encoded.readableBytesView) == input, "\(packets) encodes to \(hex(encoded.readableBytesView)), not \(hex(input))")
    for case .binaryMessage(let bytes) in packets {
        let text = Base64.encode(bytes.readableBytesView)
        require(Base64.decode(text) == Array(bytes.readableBytesView), "Base64 round trip of \(hex(bytes.readableBytesView))")
    }
    return 0
}

@_cdecl("fuzz_engineio_payload_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
