import Testing
@testable import ZenithConfig

@Suite("Finding the line of a TOML key")
struct TOMLKeyLocatorTests {
    let locator = TOMLKeyLocator(text: """
        routes = "routes"   # comment
        [listen]
        http = [
          "0.0.0.0:80",
          "fake = 1",
        ]
        text = \"\"\"
        not_a_key = 1
        \"\"\"
        [upstream."my.pool"]
        servers = ["a:1"]
        limits.header_bytes = 1
        [[watch]]
        name = "servers"
        """)

    @Test("top-level keys, section headers and keys inside sections are found")
    func plainKeys() {
        #expect(locator.line(of: ["routes"]) == 1)
        #expect(locator.line(of: ["listen"]) == 2)
        #expect(locator.line(of: ["listen", "http"]) == 3)
        #expect(locator.line(of: ["watch", "name"]) == 14)
    }

    @Test("lines inside multi-line arrays and strings are not taken for keys")
    func multilineValues() {
        #expect(locator.line(of: ["listen", "text"]) == 7)
        #expect(locator.line(of: ["listen", "not_a_key"]) == 2)
        #expect(locator.line(of: ["listen", "fake"]) == 2)
    }

    @Test("quoted and dotted keys are found")
    func quotedAndDotted() {
        #expect(locator.line(of: ["upstream", "my.pool", "servers"]) == 11)
        #expect(locator.line(of: ["upstream", "my.pool", "limits", "header_bytes"]) == 12)
    }

    @Test("a key that is not written falls back to its table's line")
    func fallback() {
        #expect(locator.line(of: ["upstream", "my.pool", "max_connections"]) == 10)
        #expect(locator.line(of: ["nothing"]) == nil)
    }
}
