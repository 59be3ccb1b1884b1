import ZenithText

/// A request target as Zenith routes it (RFC 9112 §3.2): the path that route rules are matched
/// against, normalised so that no spelling of a path escapes its rule (`/%6eothere/`,
/// `//nothere/` and `/./nothere/` are all `/nothere/`), as nginx normalises a URI before it
/// matches locations.
///
/// The normalised path is for matching (and for static files, which decode the rest themselves);
/// what a backend is sent is the target as the client wrote it, in origin form. An absolute-form
/// target (`http://host/path`) must name the same authority as the Host field, or a backend that
/// routes on the target (RFC 9112 §3.2.2 tells it to) would serve another host than the one whose
/// rules Zenith applied.
struct RequestTarget {
    /// Why a target is refused (400).
    enum Problem: Error, Equatable, CustomStringConvertible {
        case badPercentEncoding
        case encodedNUL
        case aboveRoot
        case authorityMismatch

        var description: String {
            switch self {
            case .badPercentEncoding: "malformed percent-encoding in the path"
            case .encodedNUL: "an encoded NUL in the path"
            case .aboveRoot: "a '..' segment above the root"
            case .authorityMismatch: "an absolute-form target naming another host than Host"
            }
        }
    }

    /// The path to match routes on: percent-encoded unreserved characters and `/` decoded
    /// (RFC 3986 §6.2.2.2), `.` and `..` segments resolved (§5.2.4), repeated slashes merged.
    /// Other percent-encodings stay as they are, so nothing decoded here can be decoded again.
    let routingPath: Substring
    /// The target to forward: as sent, or the path and query of an absolute-form target.
    let originForm: Substring

    /// Reads `uri`, the target of a request whose Host field is `host`.
    init(_ uri: String, host: String?) throws(Problem) {
        var target = uri[...]
        if target.utf8.first != UInt8(ascii: "/"), let scheme = target.range(of: "://") {
            let afterScheme = target[scheme.upperBound...]
            let pathStart = afterScheme.utf8.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") })
                ?? afterScheme.endIndex
            let authority = afterScheme[..<pathStart]
            guard let host, authority.utf8.equalsIgnoringASCIICase(lowercaseBytes: host.lowercased().utf8) else {
                throw .authorityMismatch
            }
            target = afterScheme[pathStart...]
            // `http://host` and `http://host?q` have the empty path, which is `/` in origin form.
            if target.utf8.first != UInt8(ascii: "/") {
                target = Substring("/" + target)
            }
        }
        self.originForm = target
        let path = self.originForm.requestPathPart
        self.routingPath = Self.needsNormalising(path) ? try Self.normalised(path) : path
    }

    /// One pass over the bytes: a path with no `%`, no `//` and no segment starting with `.` is
    /// already normal (every browser's usual request), and costs no allocation.
    private static func needsNormalising(_ path: Substring) -> Bool {
        var previous: UInt8 = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") { return true }
            if previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")) { return true }
            previous = byte
        }
        return false
    }

    private static func normalised(_ path: Substring) throws(Problem) -> Substring {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.utf8.count)
        var bytes = path.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                continue
            }
            guard let high = bytes.next(), let low = bytes.next(), let value = UInt8(hexDigits: high, low) else {
                throw .badPercentEncoding
            }
            if value == 0 { throw .encodedNUL }
            if value.isUnreservedURICharacter || value == UInt8(ascii: "/") {
                decoded.append(value)
            } else {
                decoded.append(UInt8(ascii: "%"))
                decoded.append(high)
                decoded.append(low)
            }
        }
        var segments: [ArraySlice<UInt8>] = []
        // A final `/`, `.` or `..` leaves the path naming a directory: it keeps its final slash.
        var endsAsDirectory = false
        let parts = decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for segment in decoded.first == UInt8(ascii: "/") ? parts.dropFirst() : parts[...] {
            endsAsDirectory = true
            if segment.isEmpty || segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                guard segments.popLast() != nil else { throw .aboveRoot }
                continue
            }
            segments.append(segment)
            endsAsDirectory = false
        }
        var result = "/" + segments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
        if endsAsDirectory && !segments.isEmpty {
            result += "/"
        }
        return result[...]
    }
}

extension UInt8 {
    /// ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3).
    fileprivate var isUnreservedURICharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

extension Substring {
    /// The path part of an origin-form target: up to `?` or `#`, by byte (Character by Character
    /// would run grapheme breaking over every path).
    var requestPathPart: Substring {
        if let end = self.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            return self[..<end]
        }
        return self
    }
}
