/// Finds a table header that TOMLKit's bundled toml++ cannot be given: one whose first key starts
/// with a byte that is neither a bare-key character nor a quote (`[!`, `[.a]`, `[[ $x]]`, or a `[`
/// that ends its line). toml++ asserts on that instead of reporting a syntax error, and its
/// assertions are live in Zenith's builds, so such a file must get a `file:line: error` here
/// before it reaches the parser. (Found by the `fuzz-config` harness; docs/fuzzing.md. Other
/// assertions of toml++ are contained by `zenith check` reading a file in a child process first.)
///
/// Read by byte, as toml++ reads: lines end at LF (a CR before it belongs to the line break), and
/// lines inside multi-line strings are skipped, since a `[` that starts one of those is text.
enum TOMLTableHeaderCheck {
    /// The first such header: its 1-based line and the byte toml++ would trip on (a line feed when
    /// the line ends right after the bracket).
    static func firstUnparsableHeader(in text: String) -> (line: Int, found: UInt8)? {
        var openString: [UInt8]?  // the delimiter of the multi-line string being read, if any
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if openString == nil, let problem = Self.headerProblem(line) {
                return (lineNumber, problem)
            }
            Self.trackMultiLineStrings(in: line, open: &openString)
        }
        return nil
    }

    /// The byte after `[` or `[[` and blanks, when a header starts with one toml++ cannot take.
    private static func headerProblem(_ line: Substring.UTF8View.SubSequence) -> UInt8? {
        var rest = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard rest.first == UInt8(ascii: "[") else { return nil }
        rest = rest.dropFirst()
        if rest.first == UInt8(ascii: "[") { rest = rest.dropFirst() }
        rest = rest.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = rest.first, first != UInt8(ascii: "\r") else { return UInt8(ascii: "\n") }
        switch first {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return nil
        default:
            return first
        }
    }

    /// Opens or closes multi-line strings (`"""`, `'''`) by the delimiters on `line`.
    private static func trackMultiLineStrings(in line: Substring.UTF8View.SubSequence, open: inout [UInt8]?) {
        let basic = Array(String(repeating: "\"", count: 3).utf8)
        let literal = Array("'''".utf8)
        var rest = line[...]
        while !rest.isEmpty {
            if let delimiter = open {
                guard let end = rest.firstRange(of: delimiter) else { return }
                open = nil
                rest = rest[end.upperBound...]
                continue
            }
            let starts = [rest.firstRange(of: basic), rest.firstRange(of: literal)].compactMap { $0 }
            guard let start = starts.min(by: { $0.lowerBound < $1.lowerBound }) else { return }
            open = Array(rest[start])
            rest = rest[start.upperBound...]
        }
    }
}
