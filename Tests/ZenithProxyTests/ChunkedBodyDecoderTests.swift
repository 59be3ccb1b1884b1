import NIOCore
import Testing

@testable import ZenithProxy

@Suite("chunked body decoding (RFC 9112 §7.1)")
struct ChunkedBodyDecoderTests {
    static let maxLineBytes = 512

    /// The body `bytes` decode to, or the decoder's refusal; the bytes come in one read, or in
    /// reads of `readSize` bytes.
    private func decode(_ bytes: [UInt8], readSize: Int? = nil) -> Result<String, ChunkedBodyDecoder.Malformed> {
        var decoder = ChunkedBodyDecoder(maxLineBytes: Self.maxLineBytes)
        var buffer = ByteBuffer()
        var body = ""
        do {
            for start in stride(from: 0, to: bytes.count, by: readSize ?? max(bytes.count, 1)) {
                buffer.writeBytes(bytes[start..<min(start + (readSize ?? bytes.count), bytes.count)])
                while let data = try decoder.nextData(&buffer, refusing: { $0 }) {
                    body += String(buffer: data)
                }
            }
        } catch {
            return .failure(error)
        }
        #expect(decoder.isFinished)
        return .success(body)
    }

    /// A chunk of "hi" whose size line, with its CRLF, is `length` bytes long.
    private static func chunk(sizeLineLength length: Int) -> String {
        "2;" + String(repeating: "a", count: length - 4) + "\r\nhi\r\n"
    }

    /// A last chunk and a trailer section `length` bytes long, its empty line included.
    private static func lastChunk(trailerSectionLength length: Int) -> String {
        "0\r\nx: " + String(repeating: "a", count: length - 7) + "\r\n\r\n"
    }

    @Test("a chunk-size line or trailer section longer than the limit is refused however the bytes are split")
    func lineLimitWhateverTheReads() {
        let atLimit = Self.chunk(sizeLineLength: Self.maxLineBytes) + Self.lastChunk(trailerSectionLength: Self.maxLineBytes)
        let longSizeLine = Self.chunk(sizeLineLength: Self.maxLineBytes + 1) + "0\r\n\r\n"
        let longTrailers = Self.chunk(sizeLineLength: 10) + Self.lastChunk(trailerSectionLength: Self.maxLineBytes + 1)
        for readSize in [nil, 1, 2, 7, 100] {
            #expect(self.decode(Array(atLimit.utf8), readSize: readSize) == .success("hi"), "reads of \(readSize ?? 0)")
            #expect(self.decode(Array(longSizeLine.utf8), readSize: readSize) == .failure(.chunk), "reads of \(readSize ?? 0)")
            #expect(
                self.decode(Array(longTrailers.utf8), readSize: readSize) == .failure(.tooLarge), "reads of \(readSize ?? 0)")
        }
    }

    @Test(
        "chunk extensions of RFC 9112's grammar are read past",
        arguments: [
            "2;a\r\nhi\r\n0\r\n\r\n",
            "2;a=b\r\nhi\r\n0;last\r\n\r\n",
            "2;a=b;c;d=\"quoted ;= \\\" value\"\r\nhi\r\n0\r\n\r\n",
            "2;name=\"\u{E9}\"\r\nhi\r\n0\r\n\r\n",
        ])
    func extensionsAccepted(_ text: String) {
        #expect(self.decode(Array(text.utf8)) == .success("hi"))
    }

    /// Each of these is something llhttp (and so NIOHTTP1) refuses: a proxy laxer than the
    /// backend could read a different body from the same bytes.
    @Test(
        "chunk extensions outside the grammar are refused",
        arguments: [
            Array("0 ;ext=ab\r\n\r\n".utf8),
            Array("0\t;ext=ab\r\n\r\n".utf8),
            Array("0;ext= ab\r\n\r\n".utf8),
            Array("0; ext=ab\r\n\r\n".utf8),
            Array("0;ext =ab\r\n\r\n".utf8),
            Array("0;ext=\r\n\r\n".utf8),
            Array("0;=ab\r\n\r\n".utf8),
            Array("0;\r\n\r\n".utf8),
            Array("0;ext=\"open\r\n\r\n".utf8),
            Array("0;ext=a\"b\"\r\n\r\n".utf8),
            Array("0;ext=\"a\"b\r\n\r\n".utf8),
            Array("0;ext=".utf8) + [0xFF] + Array("ab\r\n\r\n".utf8),
            Array("0;ext=\"a".utf8) + [0x01] + Array("\"\r\n\r\n".utf8),
            Array("0;ext=\"a\\".utf8) + [0x7F] + Array("\"\r\n\r\n".utf8),
        ])
    func extensionsRefused(_ bytes: [UInt8]) {
        #expect(self.decode(bytes) == .failure(.chunk))
    }
}
