import Testing
@testable import ZenithConfig

@Suite("Durations")
struct DurationParserTests {
    @Test(
        "every unit reads as written",
        arguments: [
            ("250ms", Duration.milliseconds(250)), ("3s", .seconds(3)), ("5m", .seconds(300)),
            ("2h", .seconds(7200)), ("1d", .seconds(86400)), ("45", .seconds(45)), ("0s", .zero),
        ])
    func units(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test("malformed durations are refused", arguments: ["", "s", "-3s", "1.5s", "3 sec", "1h30m", "3S", "99999999999999999999d"])
    func malformed(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test("a duration is printed in its largest exact unit")
    func formatting() {
        #expect(DurationParser.format(.seconds(120)) == "2m")
        #expect(DurationParser.format(.seconds(86400)) == "1d")
        #expect(DurationParser.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationParser.format(.zero) == "0s")
    }
}
