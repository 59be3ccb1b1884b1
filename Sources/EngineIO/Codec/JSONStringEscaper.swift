/// Writes a string as a JSON string literal the way `JSON.stringify` does (quotes, backslash
/// and control characters escaped, everything else verbatim). Internal: the open packet's only
/// JSON need; Socket.IO has its own full JSON serializer.
enum JSONStringEscaper {
    private static let hexDigits: [Character] = Array("0123456789abcdef")

    static func appendQuoted(_ string: String, to output: inout String) {
        output.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\u{08}": output.append("\\b")
            case "\u{0C}": output.append("\\f")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                output.append("\\u00")
                output.append(hexDigits[Int(scalar.value >> 4)])
                output.append(hexDigits[Int(scalar.value & 0xF)])
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}
