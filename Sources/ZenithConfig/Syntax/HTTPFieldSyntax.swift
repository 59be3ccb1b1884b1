import ZenithText

/// What may go into a request Zenith itself sends to the dashboard from configured text: header
/// field names (RFC 9110 §5.1 tokens), field values and request targets without CR, LF, NUL or
/// other control characters, which would otherwise split the request on the wire.
enum HTTPFieldSyntax {
    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(\.isHTTPTokenCharacter)
    }

    /// Visible characters, spaces and tabs (RFC 9110 §5.5), no obsolete folding or controls.
    static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy(\.isHTTPFieldValueCharacter)
    }

    /// A request target's characters: no spaces or controls.
    static func isRequestTarget(_ target: String) -> Bool {
        target.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }
}

extension ConfigSectionReader {
    /// A table of header fields written as `headers = { "X-Requested-With" = "XMLHttpRequest" }`,
    /// or `defaults` when it is absent; a bad field name or value is reported on the table's line.
    mutating func readHeaderTable(_ key: String, default defaults: [String: String]) -> [String: String] {
        var table = self.section(key)
        defer { table.finish() }
        guard table.isPresent else { return defaults }
        var headers: [String: String] = [:]
        for (name, value) in table.readAllStrings() {
            if !HTTPFieldSyntax.isFieldName(name) {
                self.report("'\(name)' in \(key) is not an HTTP header name", at: key)
            } else if !HTTPFieldSyntax.isFieldValue(value) {
                self.report("the value of '\(name)' in \(key) holds a control character", at: key)
            } else {
                headers[name] = value
            }
        }
        return headers
    }
}
