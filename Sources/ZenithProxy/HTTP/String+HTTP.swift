import ZenithText

extension Substring {
    /// The value without leading and trailing spaces and tabs (RFC 9110 OWS). By byte: Character
    /// indexing would run grapheme breaking.
    func trimmingHTTPWhitespace() -> Substring {
        let bytes = self.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start].isHTTPWhitespace { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before].isHTTPWhitespace else { break }
            end = before
        }
        return self[start..<end]
    }
}

extension String {
    /// Calls `body` with each element of this comma-separated list value, trimmed, empty ones
    /// skipped (RFC 9110 §5.6.1), until `body` returns false. Without `split`, which allocates an
    /// array per call.
    func forEachListElement(_ body: (Substring) -> Bool) {
        var rest = self[...]
        while !rest.isEmpty {
            let comma = rest.utf8.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
            let element = rest[..<comma].trimmingHTTPWhitespace()
            rest = comma == rest.endIndex ? rest[comma...] : rest[rest.utf8.index(after: comma)...]
            if !element.isEmpty && !body(element) { return }
        }
    }

    /// The value without leading and trailing spaces and tabs (RFC 9110 OWS).
    func trimmingHTTPWhitespace() -> Substring {
        self[...].trimmingHTTPWhitespace()
    }

    /// The path part of a request target (`/a/b?x=1` → `/a/b`); an absolute-form target
    /// (`http://host/a`) yields its path too.
    var requestPath: Substring {
        var target = self[...]
        if target.utf8.first != UInt8(ascii: "/"), let scheme = target.range(of: "://") {
            let afterAuthority = target[scheme.upperBound...]
            target = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        return target.requestPathPart
    }
}
