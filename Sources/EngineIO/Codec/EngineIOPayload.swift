#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The HTTP long-polling body format of Engine.IO v4: packets joined by the record separator
/// `0x1E`, binary messages as `b` followed by their base64 text.
///
/// Pure functions over `ByteBuffer`; the polling transport owns the requests around them.
public enum EngineIOPayload {
    /// The record separator between packets (ASCII RS).
    public static let separator: UInt8 = 0x1E

    /// Appends the payload of `packets` to `buffer`, with no intermediate strings.
    ///
    /// The v4 framing assumes no text packet contains `0x1E` (engine.io-protocol, "From v3 to
    /// v4"); Socket.IO's JSON never does, since JSON escapes control characters.
    public static func encode(_ packets: [EngineIOPacket], into buffer: inout ByteBuffer) {
        Self.encode(frames: packets.map(EngineIOFrame.init), into: &buffer)
    }

    /// Joins already encoded frames into a polling payload: the one encoder of poll responses.
    public static func encode(frames: [EngineIOFrame], into buffer: inout ByteBuffer) {
        for (index, frame) in frames.enumerated() {
            if index > 0 { buffer.writeInteger(separator) }
            frame.writePolling(into: &buffer)
        }
    }

    /// Decodes a request body into its packets.
    ///
    /// Strict: an empty body or an empty record, an unknown type, invalid UTF-8, malformed
    /// base64 and more than `maxPackets` packets are errors; nothing partial is returned.
    public static func decode(_ body: ByteBuffer, maxPackets: Int) throws(EngineIODecodingError) -> [EngineIOPacket] {
        // withUnsafeReadableBytes only rethrows untyped errors, so the typed error travels in a Result.
        let result = body.withUnsafeReadableBytes { bytes in
            Result { () throws(EngineIODecodingError) in try decodeRecords(bytes, maxPackets: maxPackets) }
        }
        return try result.get()
    }

    private static func decodeRecords(
        _ bytes: UnsafeRawBufferPointer,
        maxPackets: Int
    ) throws(EngineIODecodingError) -> [EngineIOPacket] {
            var packets: [EngineIOPacket] = []
            var start = 0
            while true {
                let end = Self.firstSeparator(in: bytes, from: start)
                guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
                let record = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                packets.append(try EngineIOPacket.decodeText(record, allowBase64: true, validateUTF8: true))
                if end == bytes.count { break }
                start = end + 1
            }
            return packets
    }

    /// The index of the first separator at or after `start`, or `bytes.count`. `memchr`: a POST
    /// carries up to `maxPayload` (1 MB) of text, and a generic search byte by byte took most of
    /// the time of decoding one in a debug build.
    private static func firstSeparator(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < bytes.count, let base = bytes.baseAddress,
              let found = memchr(base + start, Int32(separator), bytes.count - start)
        else { return bytes.count }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
