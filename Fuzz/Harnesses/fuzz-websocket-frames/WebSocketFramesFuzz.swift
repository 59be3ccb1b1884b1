import FuzzSupport
import NIOCore
import NIOWebSocket

@testable import EngineIO

/// Feeds the input, as bytes from a WebSocket client, to the frame reader and the message
/// assembler that `WebSocketTransport` runs (hand-written in place of NIO's decoder and
/// aggregator, for the memory of idle sockets), with small limits (frames of 64 bytes, messages
/// of 4 fragments and 96 bytes), once whole and once cut into reads whose sizes the 1st byte picks.
///
/// Invariants:
/// - no crash, whatever the bytes (every bound is an error);
/// - one read and split reads give the same frames, the same error (or none) and the same messages;
/// - no frame is longer than its bound; control frames are final and at most 125 bytes; a
///   message is at most 96 bytes, final and unmasked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let step = reader.byte() & 0x0F
    let input = reader.rest()

    let whole = read([input[...]])
    let split = read(readPieces(input, pattern: [step, step &+ 5, 1]))
    require(whole == split, "whole \(whole) vs split \(split) of \(hex(input))")
    return 0
}

/// What the reader and the assembler make of `pieces` fed one after another.
private struct Outcome: Equatable, CustomStringConvertible {
    var frames: [String] = []
    var messages: [String] = []
    var error: String?

    var description: String { "frames \(frames), messages \(messages), error \(error ?? "none")" }
}

private func read(_ pieces: [ArraySlice<UInt8>]) -> Outcome {
    var frames = WebSocketFrameReader(maxFrameSize: 64)
    var messages = WebSocketMessageAssembler(maxFragments: 4, maxSize: 96)
    var outcome = Outcome()
    for piece in pieces {
        frames.receive(ByteBuffer(bytes: piece))
        do {
            while let frame = try frames.nextFrame() {
                require(frame.length <= 64, "a frame of \(frame.length) bytes passed a bound of 64")
                outcome.frames.append("\(frame.opcode) fin=\(frame.fin) \(Array(frame.unmaskedData.readableBytesView))")
                let isControl = frame.opcode == .ping || frame.opcode == .pong || frame.opcode == .connectionClose
                if isControl {
                    require(frame.fin && frame.length <= 125, "control frame \(frame.opcode) fin=\(frame.fin) of \(frame.length) bytes")
                    continue
                }
                guard frame.opcode == .text || frame.opcode == .binary || frame.opcode == .continuation else { continue }
                if let message = try messages.take(frame, allocator: ByteBufferAllocator()) {
                    let bytes = Array(message.unmaskedData.readableBytesView)
                    require(message.fin && bytes.count <= 96, "message of \(bytes.count) bytes, fin=\(message.fin)")
                    outcome.messages.append("\(message.opcode) \(bytes)")
                }
            }
        } catch {
            outcome.error = "\(error)"
            return outcome
        }
    }
    return outcome
}

@_cdecl("fuzz_websocket_frames_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
