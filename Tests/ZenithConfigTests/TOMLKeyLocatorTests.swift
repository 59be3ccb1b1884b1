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
        [[watch]]
        name = "volumes"
        """)

    @Test("top-level keys, section headers and keys inside sections are found")
    func plainKeys() {
        #expect(locator.line(of: ["routes"]) == 1)
        #expect(locator.line(of: ["listen"]) == 2)
        #expect(locator.line(of: ["listen", "http"]) == 3)
        #expect(locator.line(of: ["watch", "#0", "name"]) == 14)
    }

    @Test("each entry of an array of tables has its own lines")
    func arrayOfTables() {
        #expect(locator.line(of: ["watch"]) == 13)
        #expect(locator.line(of: ["watch", "#1"]) == 15)
        #expect(locator.line(of: ["watch", "#1", "name"]) == 16)
        #expect(locator.line(of: ["watch", "#1", "interval"]) == 15)
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
