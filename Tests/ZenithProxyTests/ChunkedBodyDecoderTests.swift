import NIOCore
import Testing

@testable import ZenithProxy

@Suite("chunked body decoding (RFC 9112 §7.1)")
struct ChunkedBodyDecoderTests {
    /// The body `bytes` decode to, or the decoder's refusal.
    private func decode(_ bytes: [UInt8]) -> Result<String, ChunkedBodyDecoder.Malformed> {
        var decoder = ChunkedBodyDecoder(maxLineBytes: 512)
        var buffer = ByteBuffer(bytes: bytes)
        var body = ""
        do {
            while let data = try decoder.nextData(&buffer, refusing: { $0 }) {
                body += String(buffer: data)
            }
        } catch {
            return .failure(error)
        }
        #expect(decoder.isFinished)
        return .success(body)
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
