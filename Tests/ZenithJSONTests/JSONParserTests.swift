import NIOCore
import ZenithJSON
import Testing

@Suite("JSON parsing")
struct JSONParserTests {
    private func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: text, maxDepth: maxDepth)
    }

    private func reason(_ text: String, maxDepth: Int = 64) -> JSONParseError.Reason? {
        do {
            _ = try parse(text, maxDepth: maxDepth)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("scalars parse to their cases")
    func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("42") == .int(42))
        #expect(try parse("-17") == .int(-17))
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.25") == .double(-0.25))
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E+3") == .double(1000))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("1.0") == .double(1))
        #expect(try parse(#""hi""#) == .string("hi"))
    }

    @Test("integers stay exact up to the 64-bit limits, and larger ones become doubles")
    func bigIntegers() throws {
        #expect(try parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test("huge exponents overflow to infinity and tiny ones to zero, as in JavaScript")
    func extremeExponents() throws {
        #expect(try parse("1e400") == .double(.infinity))
        #expect(try parse("-1e400") == .double(-.infinity))
        #expect(try parse("1e-400") == .double(0))
    }

    @Test("arrays and objects, empty and nested, keep their order")
    func containers() throws {
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object(JSONObject()))
        let value = try parse(#"{"b":1,"a":[true,null,{"c":"d"}],"e":{}}"#)
        #expect(value.objectValue?.keys == ["b", "a", "e"])
        #expect(value["a"] == [true, nil, ["c": "d"]])
        #expect(value["b"] == 1)
        #expect(value["missing"] == nil)
    }

    @Test("whitespace is allowed around every token, only space, tab, LF and CR")
    func whitespace() throws {
        #expect(try parse(" \t\r\n[ 1 ,\n2\t]\r\n ") == [1, 2])
        #expect(try parse(#" { "a" : 1 , "b" :[ ] } "#) == ["a": 1, "b": []])
        #expect(reason("\u{0B}1") == .unexpectedByte(0x0B))
        #expect(reason("1\u{0C}") == .trailingData)
        #expect(reason("\u{A0}1") != nil)
    }

    @Test("simple escapes decode")
    func simpleEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test("unicode escapes decode, in either case of hex")
    func unicodeEscapes() throws {
        #expect(try parse(#""\u0041\u00e9\u00E9\u20AC""#) == .string("Aéé€"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test("surrogate pairs decode to one scalar")
    func surrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
    }

    @Test("lone surrogates become U+FFFD, the character after them is kept")
    func loneSurrogates() throws {
        #expect(try parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ude00x""#) == .string("\u{FFFD}x"))
        #expect(try parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
    }

    @Test("raw UTF-8 passes through, escaped or not")
    func rawUTF8() throws {
        #expect(try parse("\"héllo 😀 \\n €\"") == .string("héllo 😀 \n €"))
    }

    @Test("invalid numbers are refused", arguments: [
        "01", "-01", "1.", "1.e5", ".5", "+1", "1e", "1e+", "-", "--1", "0x10", "1_000", "NaN", "Infinity", "-Infinity", "1.5.2", "00",
    ])
    func invalidNumbers(text: String) {
        #expect(reason(text) != nil)
    }

    @Test("numbers are refused with the number reason where the grammar breaks", arguments: ["01", "1.", "1e", "-", "-a"])
    func invalidNumberReason(text: String) {
        #expect(reason(text) == .invalidNumber)
    }

    @Test("bad escapes are refused", arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#, #""\ ""#])
    func badEscapes(text: String) {
        #expect(reason(text) == .invalidEscape || reason(text) == .unexpectedEnd)
    }

    @Test("raw control characters inside strings are refused")
    func controlCharacters() {
        #expect(reason("\"a\nb\"") == .controlCharacterInString)
        #expect(reason("\"\u{01}\"") == .controlCharacterInString)
        #expect(reason("\"a\\n\tb\"") == .controlCharacterInString)
    }

    @Test("trailing data after the value is refused", arguments: ["1 2", "{} {}", "[1]]", "nullx", "\"a\"\"b\"", "true,"])
    func trailingData(text: String) {
        #expect(reason(text) == .trailingData)
    }

    @Test("structural errors are refused, never crash", arguments: [
        "", " ", "[", "]", "{", "}", "[1,]", "[,1]", "[1 2]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{'a':1}",
        "{\"a\" 1}", "{1:1}", "[\"a\":1]", "tru", "nul", "falsey", "\"abc", "\"\\", "[\"a\\\"]", "{\"a\":1", "[[[]]",
    ])
    func structuralErrors(text: String) {
        #expect(reason(text) != nil)
    }

    @Test("nesting up to the depth limit parses, one more level is refused")
    func depthLimit() throws {
        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(atLimit) }
        let beyond = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(reason(beyond) == .tooDeep(limit: 64))
        let objects = String(repeating: "{\"a\":", count: 4) + "1" + String(repeating: "}", count: 4)
        #expect(reason(objects, maxDepth: 3) == .tooDeep(limit: 3))
        #expect(throws: Never.self) { try parse(objects, maxDepth: 4) }
    }

    @Test("a very deep input is refused without exhausting the stack")
    func veryDeep() {
        #expect(reason(String(repeating: "[", count: 100_000)) == .tooDeep(limit: 64))
    }

    @Test("a repeated key keeps its first position and its last value, as JSON.parse does")
    func duplicateKeys() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
        // Large objects take the indexed path.
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let large = try parse("{\(members),\"k5\":\"x\",\"k39\":true}")
        #expect(large.objectValue?.count == 40)
        #expect(large["k5"] == "x")
        #expect(large["k39"] == true)
        #expect(large.objectValue?.keys.last == "k39")
    }

    @Test("a ByteBuffer is parsed from its readable bytes and must be UTF-8")
    func byteBufferInput() throws {
        var buffer = ByteBuffer(string: "xx[\"é\"]")
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try JSONValue(parsing: buffer) == ["é"])
        let invalid = ByteBuffer(bytes: [UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")])
        #expect(throws: JSONParseError(.invalidUTF8, at: 1)) { try JSONValue(parsing: invalid) }
        let invalidEscaped = ByteBuffer(bytes: Array(#""\n"#.utf8) + [0xFF, UInt8(ascii: "\"")])
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: invalidEscaped) }
    }

    @Test("errors report the byte offset")
    func offsets() {
        #expect(throws: JSONParseError(.unexpectedByte(UInt8(ascii: "x")), at: 4)) { try parse("[1, x]") }
        #expect(throws: JSONParseError(.trailingData, at: 3)) { try parse("[1]x") }
    }
}
