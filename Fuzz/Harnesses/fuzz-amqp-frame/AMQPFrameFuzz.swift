import FuzzSupport
import NIOCore

@testable import ZenithAMQP

/// Feeds bytes from a broker to the AMQP 0-9-1 frame decoder (`AMQPFrameDecoder.nextFrame`,
/// frame_max 4096, as the consumer's `ByteToMessageHandler` runs it), or, when the 1st byte is
/// odd, to the field-table reader (`AMQPFieldTable.read`). The 2nd byte sizes the split reads.
///
/// Invariants:
/// - one read and reads of the sizes the 2nd byte picks give the same frames and the same error;
/// - every decoded frame re-encodes to bytes that decode to a frame encoding to the same bytes
///   (compared as bytes: a float field may be NaN);
/// - a decoded table, written and read back, writes the same bytes; the reader consumes no more
///   than the table's length prefix announced.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let mode = reader.byte()
    let step = reader.byte()
    let input = reader.rest()
    if mode & 1 == 1 {
        checkTable(input)
    } else {
        checkFrames(input, step: step)
    }
    return 0
}

private let decoder = AMQPFrameDecoder(maximumFrameSize: 4096)

private func decodeStream(_ pieces: [ArraySlice<UInt8>]) -> (frames: [[UInt8]], error: AMQPProtocolError?) {
    var buffer = ByteBuffer()
    var frames: [[UInt8]] = []
    do {
        for piece in pieces {
            buffer.writeBytes(piece)
            while let frame = try decoder.nextFrame(&buffer) { frames.append(encoded(frame)) }
        }
    } catch {
        return (frames, error)
    }
    return (frames, nil)
}

private func encoded(_ frame: AMQPFrame) -> [UInt8] {
    var buffer = ByteBuffer()
    frame.encode(into: &buffer)
    return Array(buffer.readableBytesView)
}

private func checkFrames(_ input: [UInt8], step: UInt8) {
    let whole = decodeStream([input[...]])
    let split = decodeStream(readPieces(input, pattern: [step & 0x3F, (step >> 3) | 1, 1]))
    require(whole.frames == split.frames, "split reads gave other frames than one read of \(hex(input.prefix(64)))")
    require(whole.error == split.error, "split reads: \(String(describing: split.error)), one read: \(String(describing: whole.error))")
    for bytes in whole.frames {
        var buffer = ByteBuffer(bytes: bytes)
        // Re-encoding may be larger than frame_max only if the input frame was (it was not: accepted).
        let again = try? AMQPFrameDecoder(maximumFrameSize: UInt32.max).nextFrame(&buffer)
        require(again.map(encoded) == bytes, "re-encoded frame \(hex(bytes.prefix(64))) decodes differently")
        require(buffer.readableBytes == 0, "re-encoded frame leaves bytes")
    }
}

private func checkTable(_ input: [UInt8]) {
    var buffer = ByteBuffer(bytes: input)
    guard let table = try? AMQPFieldTable.read(from: &buffer) else { return }
    let announced = input.count >= 4 ? Int(UInt32(input[0]) << 24 | UInt32(input[1]) << 16 | UInt32(input[2]) << 8 | UInt32(input[3])) : -1
    require(input.count - buffer.readableBytes == 4 + announced, "the table reader read past its length")
    var first = ByteBuffer()
    table.write(into: &first)
    var copy = first
    guard let again = try? AMQPFieldTable.read(from: &copy) else {
        require(false, "a written table does not read back: \(hex(first.readableBytesView.prefix(64)))")
        return
    }
    var second = ByteBuffer()
    again.write(into: &second)
    require(first == second, "write → read → write changed the table")
}

@_cdecl("fuzz_amqp_frame_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
