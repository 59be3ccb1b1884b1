/// Finds the line on which a key or a table header of a TOML text is written.
///
/// TOMLKit reports positions only for syntax errors, yet every complaint about a value should name
/// its line. This is a small scanner over the text, which TOMLKit has already accepted: it follows
/// table headers, multi-line strings and multi-line arrays, and notes where each key path first
/// appears. Keys inside inline tables are not indexed; `line(of:)` falls back to the enclosing key.
/// The entries of an array of tables (`[[watch]]`) are told apart by an index component: the
/// second entry's `name` is `["watch", "#1", "name"]`.
struct TOMLKeyLocator {
    private var lines: [[String]: Int] = [:]

    init(text: String) {
        var scanner = Scanner()
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            for path in scanner.scan(line: Array(line)) where lines[path] == nil {
                lines[path] = index + 1
            }
        }
    }

    /// The path component that names entry `index` (from 0) of an array of tables.
    static func entryComponent(_ index: Int) -> String {
        "#\(index)"
    }

    /// The line of `path` (table names then key, e.g. `["upstream", "horizon", "servers"]`), or of
    /// its nearest enclosing table when the key itself was not found, or nil.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// Carries what spans lines (the current table, an open multi-line string or array) from one
    /// line to the next.
    private struct Scanner {
        var table: [String] = []
        var arrayOfTablesCounts: [[String]: Int] = [:]
        var openMultilineString: Character?
        var valueDepth = 0

        /// The key paths that start on this line.
        mutating func scan(line: [Character]) -> [[String]] {
            var position = 0
            if let quote = openMultilineString {
                guard let end = Self.closingQuote(quote, in: line, from: 0) else { return [] }
                openMultilineString = nil
                position = end
            } else if valueDepth == 0 {
                position = Self.skipBlanks(line, from: 0)
                guard position < line.count, line[position] != "#" else { return [] }
                if line[position] == "[" {
                    let isArrayOfTables = position + 1 < line.count && line[position + 1] == "["
                    let (keys, _) = Self.keyPath(line, from: position + (isArrayOfTables ? 2 : 1))
                    guard isArrayOfTables else {
                        table = keys
                        return [keys]
                    }
                    let index = arrayOfTablesCounts[keys, default: 0]
                    arrayOfTablesCounts[keys] = index + 1
                    table = keys + [TOMLKeyLocator.entryComponent(index)]
                    return [keys, table]
                }
                let (keys, afterKey) = Self.keyPath(line, from: position)
                // Past the `=`.
                position = min(afterKey + 1, line.count)
                scanValue(line, from: position)
                return [table + keys]
            }
            scanValue(line, from: position)
            return []
        }

        /// Tracks brackets and strings in a value so that the next line is read in the right state.
        private mutating func scanValue(_ line: [Character], from start: Int) {
            var position = start
            while position < line.count {
                let character = line[position]
                switch character {
                case "#":
                    return
                case "[", "{":
                    valueDepth += 1
                case "]", "}":
                    valueDepth = max(0, valueDepth - 1)
                case "\"", "'":
                    if Self.hasTripleQuote(character, in: line, at: position) {
                        guard let end = Self.closingQuote(character, in: line, from: position + 3) else {
                            openMultilineString = character
                            return
                        }
                        position = end
                        continue
                    }
                    position = Self.endOfString(line, from: position)
                    continue
                default:
                    break
                }
                position += 1
            }
        }

        /// The dotted key starting at `start` (bare or quoted parts) and where it ends.
        private static func keyPath(_ line: [Character], from start: Int) -> ([String], Int) {
            var keys: [String] = []
            var position = skipBlanks(line, from: start)
            while position < line.count {
                let character = line[position]
                if character == "\"" || character == "'" {
                    let end = endOfString(line, from: position)
                    keys.append(unquote(Array(line[(position + 1)..<max(position + 1, end - 1)]), quote: character))
                    position = end
                } else {
                    let end = line[position...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
                        ?? line.count
                    guard end > position else { break }
                    keys.append(String(line[position..<end]))
                    position = end
                }
                position = skipBlanks(line, from: position)
                guard position < line.count, line[position] == "." else { break }
                position = skipBlanks(line, from: position + 1)
            }
            return (keys, position)
        }

        /// Index just past the single-line string that opens at `start`.
        private static func endOfString(_ line: [Character], from start: Int) -> Int {
            let quote = line[start]
            var position = start + 1
            while position < line.count {
                if quote == "\"" && line[position] == "\\" {
                    position += 2
                    continue
                }
                if line[position] == quote { return position + 1 }
                position += 1
            }
            return line.count
        }

        /// Index just past the `"""` or `'''` that closes a multi-line string, or nil on this line.
        private static func closingQuote(_ quote: Character, in line: [Character], from start: Int) -> Int? {
            var position = start
            while position < line.count {
                if quote == "\"" && line[position] == "\\" {
                    position += 2
                    continue
                }
                if hasTripleQuote(quote, in: line, at: position) {
                    // A closing delimiter may carry up to two more quotes that belong to the content.
                    var end = position + 3
                    while end < line.count && line[end] == quote { end += 1 }
                    return end
                }
                position += 1
            }
            return nil
        }

        private static func hasTripleQuote(_ quote: Character, in line: [Character], at position: Int) -> Bool {
            position + 2 < line.count && line[position] == quote && line[position + 1] == quote
                && line[position + 2] == quote
        }

        private static func skipBlanks(_ line: [Character], from start: Int) -> Int {
            line[start...].firstIndex { $0 != " " && $0 != "\t" } ?? line.count
        }

        /// A quoted key's text; escapes in basic strings are reduced to the escaped character, which
        /// is enough to match the key TOMLKit decoded for every key a config file reasonably has.
        private static func unquote(_ characters: [Character], quote: Character) -> String {
            guard quote == "\"" else { return String(characters) }
            var result = ""
            var escaped = false
            for character in characters {
                if character == "\\" && !escaped {
                    escaped = true
                    continue
                }
                escaped = false
                result.append(character)
            }
            return result
        }
    }
}
