import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("request head fields and framing (RFC 9112 §6.3)")
struct RequestHeadFieldsTests {
    private func head(_ headers: [(String, String)], version: HTTPVersion = .http1_1) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: .POST, uri: "/", headers: HTTPHeaders(headers))
    }

    /// The framing read off `head`, or why it is refused.
    private func framing(_ head: HTTPRequestHead) -> Result<RequestFraming, RequestFraming.Problem> {
        let fields = RequestHeadFields.read(head)
        return fields.framingProblem.map { .failure($0) } ?? .success(fields.framing)
    }

    @Test("a single numeric Content-Length is the body length")
    func contentLength() {
        #expect(framing(head([("Host", "a"), ("Content-Length", "42")])) == .success(.init(contentLength: 42, chunked: false)))
    }

    @Test("chunked alone is accepted")
    func chunked() {
        #expect(framing(head([("Host", "a"), ("Transfer-Encoding", "Chunked")])) == .success(.init(contentLength: nil, chunked: true)))
    }

    @Test("Content-Length together with Transfer-Encoding is refused")
    func lengthAndEncoding() {
        #expect(framing(head([("Host", "a"), ("Content-Length", "3"), ("Transfer-Encoding", "chunked")])) == .failure(.contentLengthWithTransferEncoding))
    }

    @Test("two Content-Length headers are refused, even when equal")
    func duplicateLength() {
        #expect(framing(head([("Host", "a"), ("Content-Length", "3"), ("content-length", "3")])) == .failure(.multipleContentLengths))
    }

    @Test("Content-Length that is not 1*DIGIT is refused", arguments: ["-1", "+5", "1,1", " 5", "0x10", "", "99999999999999999999"])
    func badLength(value: String) {
        #expect(framing(head([("Host", "a"), ("Content-Length", value)])) == .failure(.invalidContentLength))
    }

    @Test("Transfer-Encoding other than a single chunked is refused", arguments: ["gzip, chunked", "chunked, gzip", "gzip", "identity"])
    func otherCodings(value: String) {
        #expect(framing(head([("Host", "a"), ("Transfer-Encoding", value)])) == .failure(.unsupportedTransferEncoding))
    }

    @Test("a Connection header naming a framing or routing field is refused", arguments: [
        "keep-alive, Content-Length", "Transfer-Encoding", "close,host", " , HOST , ", "upgrade, content-length",
    ])
    func connectionNamesFraming(value: String) {
        #expect(framing(head([("Host", "a"), ("Connection", value), ("Content-Length", "3")])) == .failure(.connectionNamesFramingField))
    }

    @Test("a Connection header naming other fields is accepted", arguments: ["keep-alive", "close", "Upgrade", "X-Content-Length, hosts", ""])
    func connectionNamesOthers(value: String) {
        #expect(framing(head([("Host", "a"), ("Connection", value), ("Content-Length", "3")])) == .success(.init(contentLength: 3, chunked: false)))
    }

    @Test("Transfer-Encoding twice is refused")
    func twoEncodings() {
        #expect(framing(head([("Host", "a"), ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")])) == .failure(.unsupportedTransferEncoding))
    }

    @Test("Transfer-Encoding in HTTP/1.0 is refused")
    func encodingInHTTP10() {
        #expect(framing(head([("Transfer-Encoding", "chunked")], version: .http1_0)) == .failure(.transferEncodingInHTTP10))
    }

    @Test("HTTP/1.1 needs exactly one Host")
    func host() {
        #expect(framing(head([])) == .failure(.missingHost))
        #expect(framing(head([("Host", "a"), ("Host", "b")])) == .failure(.multipleHosts))
        #expect(framing(head([], version: .http1_0)) == .success(.init(contentLength: nil, chunked: false)))
    }

    @Test("Host, the first Accept, the first Upgrade and Expect: 100-continue are read in the same pass")
    func fields() {
        let fields = RequestHeadFields.read(head([
            ("Accept", "application/json"), ("HOST", "dash:8000"), ("Upgrade", "websocket"), ("Accept", "text/html"),
            ("Expect", "100-Continue"), ("Upgrade", "h2c"),
        ]))
        #expect(fields.framingProblem == nil)
        #expect(fields.host == "dash:8000")
        #expect(fields.accept == "application/json")
        #expect(fields.upgrade == "websocket")
        #expect(fields.expectsContinue)
        let plain = RequestHeadFields.read(head([("Host", "a"), ("Expect", "something-else"), ("Expect", "100-continue")]))
        #expect(!plain.expectsContinue)
        #expect(plain.host == "a" && plain.accept == nil && plain.upgrade == nil)
    }

    @Test("the fields are read even when the framing is refused (the error page still follows Accept)")
    func fieldsOfRefusedHead() {
        let fields = RequestHeadFields.read(head([("Host", "a"), ("Accept", "application/json"), ("Content-Length", "x")]))
        #expect(fields.framingProblem == .invalidContentLength)
        #expect(fields.accept == "application/json")
    }
}
