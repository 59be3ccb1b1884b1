import NIOCore
import Testing

@testable import ZenithProxy

@Suite("script tag inserted into a streamed HTML body")
struct ScriptInjectionTests {
    private static let source = "/socket.io/zenith-horizon.js"
    private static let tag = "<script src=\"/socket.io/zenith-horizon.js\"></script>"

    /// The buffers sent for `chunks` given one by one, then the end of the body.
    private func sent(_ chunks: [String]) -> [ByteBuffer] {
        var injection = ScriptInjection(source: Self.source, allocator: ByteBufferAllocator())
        var out: [ByteBuffer] = []
        for chunk in chunks {
            injection.process(ByteBuffer(string: chunk)) { out.append($0) }
        }
        injection.finish { out.append($0) }
        return out
    }

    private func body(_ chunks: [String]) -> String {
        self.sent(chunks).map { String(buffer: $0) }.joined()
    }

    @Test("the tag goes right before </body>")
    func beforeClosingBody() {
        #expect(body(["<html><body><p>hi</p></body></html>\n"]) == "<html><body><p>hi</p>\(Self.tag)</body></html>\n")
    }

    @Test("a </body> split across two buffers at any place is found")
    func splitAcrossTwoBuffers() {
        let page = "<html><body><p>a < b</p></body></html>"
        let expected = "<html><body><p>a < b</p>" + Self.tag + "</body></html>"
        for cut in 0...page.utf8.count {
            let bytes = Array(page.utf8)
            let chunks = [String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)]
            #expect(body(chunks) == expected, "cut at \(cut)")
        }
    }

    @Test("a </body> split across three buffers at any places is found")
    func splitAcrossThreeBuffers() {
        let page = "<p><</p></BODY>"
        let bytes = Array(page.utf8)
        let expected = "<p><</p>" + Self.tag + "</BODY>"
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let chunks = [bytes[..<first], bytes[first..<second], bytes[second...]].map { String(decoding: $0, as: UTF8.self) }
                #expect(body(chunks) == expected, "cuts at \(first) and \(second)")
            }
        }
    }

    @Test("a body sent one byte at a time gets the tag in the same place")
    func oneByteBuffers() {
        let page = "<body></bod</b</body></html>"
        #expect(body(page.map { String($0) }) == "<body></bod</b" + Self.tag + "</body></html>")
    }

    @Test("the closing tag is matched in any letter case", arguments: ["</BODY>", "</Body>", "</bOdY>"])
    func letterCase(closing: String) {
        #expect(body(["<BODY>x", closing, "</HTML>"]) == "<BODY>x" + Self.tag + closing + "</HTML>")
    }

    @Test("only the first </body> gets the tag")
    func firstOccurrenceOnly() {
        #expect(body(["a</body>b</body>", "c</body>"]) == "a" + Self.tag + "</body>b</body>c</body>")
    }

    @Test("without </body> the tag ends the body, after any bytes held back")
    func noClosingBody() {
        #expect(body(["<p>no end</p>"]) == "<p>no end</p>" + Self.tag)
        #expect(body(["<p>cut short</p></bo"]) == "<p>cut short</p></bo" + Self.tag)
        #expect(body(["x <", "/body", " >"]) == "x </body >" + Self.tag)
    }

    @Test("near misses are not taken for </body>", arguments: ["</bodx>", "< /body>", "</ body>", "<\u{0F}body>", "</body", "<//body>"])
    func nearMisses(text: String) {
        #expect(body(["a", text, "b"]) == "a" + text + "b" + Self.tag)
    }

    @Test("an empty body is the tag alone")
    func emptyBody() {
        #expect(body([]) == Self.tag)
        #expect(body(["", ""]) == Self.tag)
    }

    @Test("bytes are held back only while they begin an undecided tag, nine at most")
    func heldBytes() {
        var injection = ScriptInjection(source: Self.source, allocator: ByteBufferAllocator())
        var out: [String] = []
        injection.process(ByteBuffer(string: "abc</body")) { out.append(String(buffer: $0)) }
        #expect(out == ["abc"])
        injection.process(ByteBuffer(string: "x>")) { out.append(String(buffer: $0)) }
        #expect(out == ["abc", "</body", "x>"])
    }

    @Test("a </body> inside a comment, a script, a style, a textarea or a title is only text", arguments: [
        "<!-- old layout: </body> -->", "<script>var s = \"</body>\";</script>", "<SCRIPT type=\"x\">if (a</body>b) {}</SCRIPT >",
        "<style>/* </body> */</style>", "<textarea></body></textarea>", "<title>a </body> b</title>",
        "<!--></body>", "<!-- a --->", "<script>'<!--</body>'</script>",
    ])
    func closingBodyInsideOtherContent(content: String) {
        let page = "<html><body>" + content + "<p>end</p></body></html>"
        let expected = "<html><body>" + content + "<p>end</p>" + Self.tag + "</body></html>"
        if content == "<!--></body>" {
            // `<!-->` is a whole (empty) comment: the </body> after it is the real one.
            #expect(body([page]) == "<html><body><!-->" + Self.tag + "</body><p>end</p></body></html>")
            return
        }
        #expect(body([page]) == expected, "\(content)")
        // The same page a byte per buffer: the context carries from one buffer to the next.
        #expect(body(page.map { String($0) }) == expected, "\(content), a byte at a time")
    }

    @Test("a tag name that only begins like script or title opens nothing")
    func lookalikeTags() {
        let page = "<body><scripts></body><titles>"
        #expect(body([page]) == "<body><scripts>" + Self.tag + "</body><titles>")
    }

    @Test("once the tag is out, buffers pass through as they came")
    func passThroughAfterInsertion() {
        var injection = ScriptInjection(source: Self.source, allocator: ByteBufferAllocator())
        injection.process(ByteBuffer(string: "</body>")) { _ in }
        let later = ByteBuffer(string: "</html></body>")
        var out: [ByteBuffer] = []
        injection.process(later) { out.append($0) }
        injection.finish { out.append($0) }
        #expect(out.count == 1)
        let sameStorage = out[0].withUnsafeReadableBytes { sent in
            later.withUnsafeReadableBytes { sent.baseAddress == $0.baseAddress }
        }
        #expect(sameStorage && out[0] == later)
    }

    @Test("a response without injection passes every buffer through")
    func passThrough() {
        var injection = ScriptInjection.passThrough
        var out: [String] = []
        injection.process(ByteBuffer(string: "<body></body>")) { out.append(String(buffer: $0)) }
        injection.finish { out.append(String(buffer: $0)) }
        #expect(out == ["<body></body>"])
    }

    @Test("the tag's length is what it adds to a body")
    func tagLength() {
        #expect(ScriptInjection.tagLength(source: Self.source) == Self.tag.utf8.count)
        #expect(body([""]).utf8.count == ScriptInjection.tagLength(source: Self.source))
    }
}

