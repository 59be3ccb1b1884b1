import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("request framing (RFC 9112 §6.3)")
struct RequestFramingTests {
    private func head(_ headers: [(String, String)], version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: .POST, uri: "/", headers: HTTPHeaders(headers))
    }

    @Test("a single numeric Content-Length is the body length")
    func contentLength() {
        #expect(RequestFraming.of(head([("Host", "a"), ("Content-Length", "42")])) == .success(.init(contentLength: 42, chunked: false)))
    }

    @Test("chunked alone is accepted")
    func chunked() {
        #expect(RequestFraming.of(head([("Host", "a"), ("Transfer-Encoding", "Chunked")])) == .success(.init(contentLength: nil, chunked: true)))
    }

    @Test("Content-Length together with Transfer-Encoding is refused")
    func lengthAndEncoding() {
        #expect(RequestFraming.of(head([("Host", "a"), ("Content-Length", "3"), ("Transfer-Encoding", "chunked")])) == .failure(.contentLengthWithTransferEncoding))
    }

    @Test("two Content-Length headers are refused, even when equal")
    func duplicateLength() {
        #expect(RequestFraming.of(head([("Host", "a"), ("Content-Length", "3"), ("content-length", "3")])) == .failure(.multipleContentLengths))
    }

    @Test("Content-Length that is not 1*DIGIT is refused", arguments: ["-1", "+5", "1,1", " 5", "0x10", "", "99999999999999999999"])
    func badLength(value: String) {
        #expect(RequestFraming.of(head([("Host", "a"), ("Content-Length", value)])) == .failure(.invalidContentLength))
    }

    @Test("Transfer-Encoding other than a single chunked is refused", arguments: ["gzip, chunked", "chunked, gzip", "gzip", "identity"])
    func otherCodings(value: String) {
        #expect(RequestFraming.of(head([("Host", "a"), ("Transfer-Encoding", value)])) == .failure(.unsupportedTransferEncoding))
    }

    @Test("Transfer-Encoding twice is refused")
    func twoEncodings() {
        #expect(RequestFraming.of(head([("Host", "a"), ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")])) == .failure(.unsupportedTransferEncoding))
    }

    @Test("Transfer-Encoding in HTTP/1.0 is refused")
    func encodingInHTTP10() {
        #expect(RequestFraming.of(head([("Transfer-Encoding", "chunked")], version: .http1_0)) == .failure(.transferEncodingInHTTP10))
    }

    @Test("HTTP/1.1 needs exactly one Host")
    func host() {
        #expect(RequestFraming.of(head([])) == .failure(.missingHost))
        #expect(RequestFraming.of(head([("Host", "a"), ("Host", "b")])) == .failure(.multipleHosts))
        #expect(RequestFraming.of(head([], version: .http1_0)) == .success(.init(contentLength: nil, chunked: false)))
    }
}
