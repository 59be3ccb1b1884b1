import FuzzSupport
import NIOCore

@testable import ZenithRedis

/// Feeds the input, as bytes from a Redis server, to the RESP2 reply parser
/// (`RESPParser`, what `RESPReplyDecoder` runs) with small limits (bulk 256 bytes, arrays of 16, depth 4,
/// lines of 64 bytes), once whole and once cut into reads whose sizes the 1st byte picks.
///
/// Invariants:
/// - no crash, whatever the bytes (every bound is an error);
/// - one read and split reads give the same replies, the same error (or none) and the same
///   bytes left waiting;
/// - each reply, encoded as a server would (`writeRESPValue`), decodes to the same reply.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let step = reader.byte() & 0x0F
    let input = reader.rest()
    let limits = RESPLimits(maxBulkLength: 256, maxArrayLength: 16, maxDepth: 4, maxLineLength: 64)

    let whole = decode([input[...]], limits: limits)
    let split = decode(readPieces(input, pattern: [step, step &+ 3, 1]), limits: limits)
    require(whole.values == split.values, "whole \(whole.values) vs split \(split.values) of \(hex(input))")
    require(whole.error == split.error, "whole \(String(describing: whole.error)) vs split \(String(describing: split.error)) of \(hex(input))")
    require(whole.left == split.left, "\(whole.left) vs \(split.left) bytes left of \(hex(input))")

    // Simple strings and errors are read as lossy UTF-8: each invalid byte becomes U+FFFD (3
    // bytes), so the re-encoded line may be up to 3 times longer than the line read.
    var roundTripLimits = limits
    roundTripLimits.maxLineLength *= 3
    for value in whole.values {
        var encoded = ByteBuffer()
        encoded.writeRESPValue(value)
        let again = decode([Array(encoded.readableBytesView)[...]], limits: roundTripLimits)
        require(again.values == [value] && again.error == nil && again.left == 0, "\(value) re-encoded as \(hex(encoded.readableBytesView)) decodes to \(again)")
    }
    return 0
}

/// The replies decoded from `pieces` fed one after another, the error that stopped decoding (if
/// any), and how many bytes were left waiting for more.
private func decode(_ pieces: [ArraySlice<UInt8>], limits: RESPLimits) -> (values: [RESPValue], error: RESPDecodingError?, left: Int) {
    let parser = RESPParser(limits: limits)
    var buffer = ByteBuffer()
    var values: [RESPValue] = []
    for piece in pieces {
        buffer.writeBytes(piece)
        do {
            while let value = try parser.parse(&buffer) { values.append(value) }
        } catch {
            return (values, error, -1)
        }
    }
    return (values, nil, buffer.readableBytes)
}

@_cdecl("fuzz_resp_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
