import Testing
@testable import ZenithConfig

@Suite("Sizes")
struct SizeParserTests {
    @Test(
        "binary and decimal units read as written",
        arguments: [
            ("100MiB", Int64(100 << 20)), ("64KiB", 65536), ("1GiB", 1 << 30), ("1000000", 1_000_000),
            ("10MB", 10_000_000), ("2kb", 2000), ("512B", 512), ("1 MiB", 1 << 20),
        ])
    func units(text: String, expected: Int64) {
        #expect(SizeParser.parse(text) == expected)
    }

    @Test("malformed sizes are refused", arguments: ["", "MiB", "-1", "1.5MiB", "10 parsecs", "99999999999TiB"])
    func malformed(text: String) {
        #expect(SizeParser.parse(text) == nil)
    }

    @Test("a size is printed in its largest exact binary unit")
    func formatting() {
        #expect(SizeParser.format(100 << 20) == "100MiB")
        #expect(SizeParser.format(65536) == "64KiB")
        #expect(SizeParser.format(10_000_000) == "10000000")
    }
}
