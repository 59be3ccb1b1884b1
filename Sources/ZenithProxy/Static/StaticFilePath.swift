import ZenithText

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

    /// A `+` stays a `+`: in a path it is not a space.
    private static func percentDecoded(_ text: Substring) -> String? {
        guard let bytes = text.utf8.percentDecoded(plusAsSpace: false), !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
