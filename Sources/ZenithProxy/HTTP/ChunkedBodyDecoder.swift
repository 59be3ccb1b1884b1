import NIOCore
import ZenithText

/// Reads a chunked message body (RFC 9112 §7.1) from the bytes that follow its head: chunk data as
/// slices of the read buffer (never copied), chunk extensions checked against their grammar and
/// ignored, trailer fields checked as field lines (Content-Length and Transfer-Encoding refused)
/// and dropped (neither side of the proxy passes them on). Shared by the decoders of client requests and backend responses, so both read a
/// chunked body the same way: a chunk-size line that overflows, lacks its CRLF or holds a bare CR
/// or LF, and chunk data not followed by CRLF, are refused.
struct ChunkedBodyDecoder {
    /// Why the bytes are not a chunked body.
    enum Malformed: Error, Equatable {
        case chunk
        /// The trailer section is longer than the decoder's limit (a chunk-size line over it is
        /// refused as a `chunk`).
        case tooLarge
        case trailerField
    }

    private enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(bytesSeen: Int)
        case ended
    }

    /// The most a chunk-size line or the trailer section may take, CRLFs included.
    let maxLineBytes: Int
    private var state = State.size
    /// How much of the line being read was already searched for its LF: a line that comes in
    /// many small reads is searched once, not once per read.
    private var lineScanned = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// The last chunk and the trailer section were read: the body is over.
    var isFinished: Bool {
        if case .ended = self.state { return true }
        return false
    }

    /// The next chunk data `buffer` holds, consuming its bytes; nil when more bytes are needed or
    /// the body is over (`isFinished`). Malformed bytes are refused with `failure`'s error.
    mutating func nextData<Failure: Error>(
        _ buffer: inout ByteBuffer, refusing failure: (Malformed) -> Failure
    ) throws(Failure) -> ByteBuffer? {
        do {
            return try self.nextData(&buffer)
        } catch {
            throw failure(error)
        }
    }

    private mutating func nextData(_ buffer: inout ByteBuffer) throws(Malformed) -> ByteBuffer? {
        while true {
            switch self.state {
            case .size:
                guard let size = try self.readChunkSize(&buffer) else { return nil }
                self.state = size == 0 ? .trailers(bytesSeen: 0) : .data(remaining: size)
            case .data(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
                let left = remaining - slice.readableBytes
                self.state = left == 0 ? .dataEnd : .data(remaining: left)
                return slice
            case .dataEnd:
                guard buffer.readableBytes >= 2 else { return nil }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .chunk }
                self.state = .size
            case .trailers(let bytesSeen):
                guard let lineLength = try self.readTrailerLine(&buffer, bytesSeen: bytesSeen) else { return nil }
                self.state = lineLength == 2 ? .ended : .trailers(bytesSeen: bytesSeen + lineLength)
            case .ended:
                return nil
            }
        }
    }

    /// `1*HEXDIG [chunk-ext] CRLF`; at most 15 digits, so the size never overflows.
    private mutating func readChunkSize(_ buffer: inout ByteBuffer) throws(Malformed) -> Int? {
        let parsed = try buffer.withUnsafeReadableBytes { bytes throws(Malformed) -> (Int, Int)? in
            guard let lineEnd = try self.lineEnd(in: bytes, limit: self.maxLineBytes, tooLong: .chunk) else { return nil }
            var size = 0
            var index = 0
            while index < lineEnd, let digit = bytes[index].hexDigitValue {
                guard index < 15 else { throw .chunk }
                size = size << 4 | Int(digit)
                index += 1
            }
            guard index > 0, Self.isChunkExtensionList(UnsafeRawBufferPointer(rebasing: bytes[index..<lineEnd])) else {
                throw .chunk
            }
            return (size, lineEnd + 2)
        }
        guard let (size, length) = parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: length)
        return size
    }

    /// Whether `bytes` are chunk extensions (RFC 9112 §7.1.1), each `";" token ["=" (token /
    /// quoted-string)]`, or nothing. Whitespace around the `;` and `=` (the RFC's BWS) is refused,
    /// as llhttp refuses it: a proxy that read an extension its backend does not could disagree
    /// with it on where a chunk starts.
    private static func isChunkExtensionList(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: ";") else { return false }
            index += 1
            let nameStart = index
            while index < bytes.count, bytes[index].isHTTPTokenCharacter { index += 1 }
            guard index > nameStart else { return false }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                guard let end = Self.quotedStringEnd(bytes, from: index + 1) else { return false }
                index = end
            } else {
                let valueStart = index
                while index < bytes.count, bytes[index].isHTTPTokenCharacter { index += 1 }
                guard index > valueStart else { return false }
            }
        }
        return true
    }

    /// The offset after the `"` that closes the quoted-string whose content starts at `start`;
    /// nil if it is not closed or holds a control byte (RFC 9110 §5.6.4: qdtext and quoted-pair).
    private static func quotedStringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return index + 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, bytes[index + 1].isHTTPFieldValueCharacter else { return nil }
                index += 2
            case let byte where byte.isHTTPFieldValueCharacter:
                index += 1
            default:
                return nil
            }
        }
        return nil
    }

    /// Consumes one trailer line and returns its length with the CRLF (2 for the empty line that
    /// ends the section).
    private mutating func readTrailerLine(_ buffer: inout ByteBuffer, bytesSeen: Int) throws(Malformed) -> Int? {
        let length = try buffer.withUnsafeReadableBytes { bytes throws(Malformed) -> Int? in
            guard let lineEnd = try self.lineEnd(in: bytes, limit: self.maxLineBytes - bytesSeen, tooLong: .tooLarge)
            else { return nil }
            if lineEnd > 0 {
                let line = UnsafeRawBufferPointer(rebasing: bytes[..<lineEnd])
                let field: HTTPHeadLines.FieldLine
                do {
                    field = try HTTPHeadLines.fieldLine(line)
                } catch {
                    throw .trailerField
                }
                // Framing fields have no place in trailers (RFC 9110 §6.5.1), and llhttp refuses
                // them: a message with one is refused whole.
                let name = UnsafeRawBufferPointer(rebasing: line[field.name])
                if name.equalsIgnoringASCIICase("content-length") || name.equalsIgnoringASCIICase("transfer-encoding") {
                    throw .trailerField
                }
            }
            return lineEnd + 2
        }
        guard let length else { return nil }
        buffer.moveReaderIndex(forwardBy: length)
        return length
    }

    /// Offset of the CR that ends the first line in `bytes`; nil if the line is not all here. A
    /// line longer than `limit` bytes with its CRLF is refused with `tooLong` as soon as that is
    /// certain, whether its end has come or not, so that where reads split the bytes never
    /// changes the answer; a bare LF is refused.
    private mutating func lineEnd(
        in bytes: UnsafeRawBufferPointer, limit: Int, tooLong: Malformed
    ) throws(Malformed) -> Int? {
        guard let lineFeed = bytes.firstIndex(of: UInt8(ascii: "\n"), from: self.lineScanned) else {
            // The line's LF is still to come: it is at least one byte longer than this.
            if bytes.count + 1 > limit { throw tooLong }
            self.lineScanned = bytes.count
            return nil
        }
        self.lineScanned = 0
        guard lineFeed + 1 <= limit else { throw tooLong }
        guard lineFeed > 0, bytes[lineFeed - 1] == UInt8(ascii: "\r") else { throw .chunk }
        return lineFeed - 1
    }
}
