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
                guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
