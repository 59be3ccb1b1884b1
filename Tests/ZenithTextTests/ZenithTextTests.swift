import Testing
import ZenithText

@Suite("Byte-level text helpers")
struct ZenithTextTests {
    @Test("ASCII case folds A-Z only; other bytes, non-ASCII too, stay as they are")
    func caseFolding() {
        #expect(Array("AZaz09@[`{".utf8).map(\.asciiLowercased) == Array("azaz09@[`{".utf8))
        #expect(UInt8(0xC4).asciiLowercased == 0xC4)
    }

    @Test("case-insensitive equality compares with a lowercase text, lengths included")
    func caseInsensitiveEquality() {
        #expect("Content-Length".equalsIgnoringASCIICase("content-length"))
        #expect("content-length"[...].equalsIgnoringASCIICase("content-length"))
        #expect(!"Content-Lengt".equalsIgnoringASCIICase("content-length"))
        #expect(!"Content-Lengthx".equalsIgnoringASCIICase("content-length"))
        #expect(Array("KEEP-ALIVE".utf8).equalsIgnoringASCIICase("keep-alive"))
        // Only ASCII letters fold: the Kelvin sign is not a K.
        #expect(!"\u{212A}eep".equalsIgnoringASCIICase("keep"))
    }

    @Test("hex digits read in either case and write in lowercase")
    func hexadecimal() {
        #expect(Array("09afAF".utf8).map(\.hexDigitValue) == [0, 9, 10, 15, 10, 15])
        #expect(UInt8(ascii: "g").hexDigitValue == nil)
        #expect(UInt8(hexDigits: UInt8(ascii: "7"), UInt8(ascii: "f")) == 0x7F)
        #expect(UInt8(hexDigits: UInt8(ascii: "7"), UInt8(ascii: "x")) == nil)
        #expect((0..<16).map { UInt8.lowercaseHexDigit($0) } == Array("0123456789abcdef".utf8))
        #expect([UInt8]([0x00, 0x0F, 0xA0, 0xFF]).lowercaseHexString == "000fa0ff")
    }

    @Test("percent-decoding replaces %XX, and + only in form encoding")
    func percentDecoding() {
        #expect("a%2Fb+c%41".utf8.percentDecoded(plusAsSpace: true) == Array("a/b cA".utf8))
        #expect("a%2fb+c".utf8.percentDecoded(plusAsSpace: false) == Array("a/b+c".utf8))
        #expect("%00".utf8.percentDecoded(plusAsSpace: false) == [0])
    }

    @Test("a % without two hex digits after it is malformed", arguments: ["%", "a%4", "%4g", "%%41", "%G0"])
    func malformedPercent(text: String) {
        #expect(text.utf8.percentDecoded(plusAsSpace: true) == nil)
    }

    @Test("HTTP byte classes: tchar, field-value bytes and OWS")
    func httpClasses() {
        #expect("!#$%&'*+-.^_`|~azAZ09".utf8.allSatisfy({ $0.isHTTPTokenCharacter }))
        #expect(!" \"(),/:;<=>?@[\\]{}\u{7F}".utf8.contains(where: { $0.isHTTPTokenCharacter }))
        #expect([UInt8]([0x09, 0x20, 0x7E, 0x80, 0xFF]).allSatisfy({ $0.isHTTPFieldValueCharacter }))
        #expect(![UInt8]([0x00, 0x0A, 0x0D, 0x1F, 0x7F]).contains(where: { $0.isHTTPFieldValueCharacter }))
        #expect([UInt8(ascii: " "), UInt8(ascii: "\t")].allSatisfy({ $0.isHTTPWhitespace }))
        #expect(!UInt8(ascii: "\n").isHTTPWhitespace)
    }
}
