/// Splits a routes-file line into its whitespace-separated words, dropping the comment.
///
/// A comment starts at a word that begins with `#` (or a line that does), not at any `#`: a
/// redirect URL may carry a `#fragment`.
enum RouteLineTokenizer {
    static func words(of line: Substring) -> [Substring] {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        return Array(words.prefix { !$0.hasPrefix("#") })
    }
}
