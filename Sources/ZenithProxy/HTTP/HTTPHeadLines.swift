import ZenithText

/// The line structure of an HTTP/1 head (RFC 9112 §2.2, §5), shared by the readers of client
/// requests (`RequestHeadParser`) and of backend responses (`ResponseHeadParser`), so that both
/// sides of the proxy agree on where a head ends and what a field line is.
enum HTTPHeadLines {
    /// Which line of a head is malformed.
    enum Malformed: Error, Equatable {
        /// The request line or status line.
        case startLine
        case fieldLine
    }

    /// Where one field line's name and value are.
    struct FieldLine {
        var name: Range<Int>
        /// Without the whitespace around it.
        var value: Range<Int>
    }

    /// Finds the end of the head at the start of `bytes`: the offset just past its empty line, or
    /// nil when the head is not complete yet. A line ending in a bare LF is refused.
    ///
    /// - Parameter lineStart: where to look from: 0, or the value a call on fewer of the same bytes
    ///   left there, the start of the line that was not complete then. A head that arrives a few
    ///   bytes per read is so scanned once, not once per read.
    static func headLength(in bytes: UnsafeRawBufferPointer, resumingAt lineStart: inout Int) throws(Malformed) -> Int? {
        while let lineFeed = bytes.firstIndex(of: UInt8(ascii: "\n"), from: lineStart) {
            guard lineFeed > lineStart, bytes[lineFeed - 1] == UInt8(ascii: "\r") else {
                throw lineStart == 0 ? .startLine : .fieldLine
            }
            if lineFeed - lineStart == 1 {
                guard lineStart > 0 else { throw .startLine }
                return lineFeed + 1
            }
            lineStart = lineFeed + 1
        }
        return nil
    }

    /// Checks a field line (without its CRLF): a token name right before the colon, and a value
    /// of visible characters, spaces and tabs only. A line that starts with whitespace is an
    /// obsolete line folding and refused, as is whitespace before the colon (RFC 9112 §5.1) and
    /// a bare CR anywhere.
    static func fieldLine(_ line: UnsafeRawBufferPointer) throws(Malformed) -> FieldLine {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":"), from: 0), colon > 0 else { throw .fieldLine }
        for index in 0..<colon where !line[index].isHTTPTokenCharacter {
            throw .fieldLine
        }
        let value = line.trimmingHTTPWhitespace(colon + 1..<line.count)
        for index in value where !line[index].isHTTPFieldValueCharacter {
            throw .fieldLine
        }
        return FieldLine(name: 0..<colon, value: value)
    }

    /// Offset of the CR of the line that starts at `start`, if a line starts there (in a head
    /// whose line ends `headLength` has checked).
    static func lineEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let lineFeed = bytes.firstIndex(of: UInt8(ascii: "\n"), from: start) else { return nil }
        return lineFeed - 1
    }
}
