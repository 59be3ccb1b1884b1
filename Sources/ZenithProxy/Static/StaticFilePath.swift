/// Maps a request path under a static route to a file below the route's directory, refusing
/// anything that could leave it: `..` and `.` segments (also percent-encoded), NUL bytes,
/// invalid percent-escapes. The part of the path after the route's prefix is appended to the
/// directory (like nginx `alias`).
enum StaticFilePath {
    static func resolve(directory: String, routePrefix: String, requestPath: Substring) -> String? {
        guard requestPath.hasPrefix(routePrefix) else { return nil }
        guard let decoded = Self.percentDecoded(requestPath.dropFirst(routePrefix.count)) else { return nil }
        var relative = ""
        for segment in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == ".." || segment == "." { return nil }
            relative += "/"
            relative += segment
        }
        guard !relative.isEmpty else { return nil }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return base + relative
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next()?.hexDigitValue, let low = iterator.next()?.hexDigitValue
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

}
