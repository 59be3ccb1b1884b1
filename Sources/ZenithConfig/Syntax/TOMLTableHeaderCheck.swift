/// Finds a table header that TOMLKit's bundled toml++ cannot be given: one whose first key starts
/// with a character that is neither a bare-key character nor a quote (`[!`, `[.a]`, `[[ $x]]`).
/// toml++ asserts on that instead of reporting a syntax error, and its assertions are live in
/// Zenith's builds, so such a file would abort `zenith check`, or `zenith run` on a reload, where
/// it must get a `file:line: error`. (Found by the `fuzz-config` harness; docs/fuzzing.md.)
///
/// Lines inside multi-line strings are skipped, since a `[` that starts one of those is text.
enum TOMLTableHeaderCheck {
    /// The first such header: its 1-based line and the character that toml++ would trip on (a
    /// newline when the line ends right after the bracket).
    static func firstUnparsableHeader(in text: String) -> (line: Int, found: Character)? {
        var openString: Substring?  // the delimiter of the multi-line string being read, if any
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if openString == nil, let problem = Self.headerProblem(line) {
                return (index + 1, problem)
            }
            Self.trackMultiLineStrings(in: line, open: &openString)
        }
        return nil
    }

    /// The character after `[` or `[[` and blanks, when a header starts with one toml++ cannot take.
    private static func headerProblem(_ line: Substring) -> Character? {
        var rest = line.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "[" else { return nil }
        rest = rest.dropFirst()
        if rest.first == "[" { rest = rest.dropFirst() }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard let first = rest.first, first != "\r" else { return "\n" }
        if first.isASCII && (first.isLetter || first.isNumber) || "_-\"']".contains(first) { return nil }
        return first
    }

    /// Opens or closes multi-line strings (`"""`, `'''`) by the delimiters on `line`.
    private static func trackMultiLineStrings(in line: Substring, open: inout Substring?) {
        var rest = line[...]
        while !rest.isEmpty {
            if let delimiter = open {
                guard let end = rest.firstRange(of: delimiter) else { return }
                open = nil
                rest = rest[end.upperBound...]
                continue
            }
            let basic = rest.firstRange(of: "\"\"\"")
            let literal = rest.firstRange(of: "'''")
            guard let start = [basic, literal].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else { return }
            open = rest[start]
            rest = rest[start.upperBound...]
        }
    }
}
