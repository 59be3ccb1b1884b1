#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers for reading HTTP/1 text without making Strings.

extension UnsafeRawBufferPointer {
    /// The offset of the first `byte` at or after `start` (memchr, not a byte-by-byte loop).
    func firstIndex(of byte: UInt8, from start: Int) -> Int? {
        guard start < self.count, let base = self.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), self.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    /// `range` without the spaces and tabs at either end (RFC 9110 OWS).
    func trimmingHTTPWhitespace(_ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, self[start].isHTTPWhitespace { start += 1 }
        while end > start, self[end - 1].isHTTPWhitespace { end -= 1 }
        return start..<end
    }

    /// A field that always describes one connection only (RFC 9110 §7.6.1), compared as ASCII
    /// case-insensitive: TE, Trailer, Upgrade, Connection, Keep-Alive, Proxy-Connection,
    /// Transfer-Encoding, Proxy-Authenticate, Proxy-Authorization.
    var isAlwaysHopByHop: Bool {
        switch self.count {
        case 2: return self.equalsIgnoringASCIICase("te")
        case 7: return self.equalsIgnoringASCIICase("trailer") || self.equalsIgnoringASCIICase("upgrade")
        case 10: return self.equalsIgnoringASCIICase("connection") || self.equalsIgnoringASCIICase("keep-alive")
        case 16: return self.equalsIgnoringASCIICase("proxy-connection")
        case 17: return self.equalsIgnoringASCIICase("transfer-encoding")
        case 18: return self.equalsIgnoringASCIICase("proxy-authenticate")
        case 19: return self.equalsIgnoringASCIICase("proxy-authorization")
        default: return false
        }
    }

    /// Compares with `lowercase`, an all-lowercase ASCII literal.
    func equalsIgnoringASCIICase(_ lowercase: StaticString) -> Bool {
        self.equalsIgnoringASCIICase(
            lowercaseBytes: UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        )
    }
}

extension Sequence<UInt8> {
    /// ASCII case-insensitive equality with `lowercase`, the bytes of an all-lowercase text;
    /// without allocating. The one comparison behind the String and byte-buffer forms.
    func equalsIgnoringASCIICase(lowercaseBytes lowercase: some Sequence<UInt8>) -> Bool {
        var lhs = self.makeIterator()
        var rhs = lowercase.makeIterator()
        while true {
            switch (lhs.next(), rhs.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?):
                let folded = (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z")) ? a | 0x20 : a
                if folded != b { return false }
            default:
                return false
            }
        }
    }
}

extension UInt8 {
    /// A `tchar` of RFC 9110 §5.6.2.
    var isHTTPTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A byte a field value or reason phrase may hold: visible ASCII, obs-text, space or tab.
    var isHTTPFieldValueCharacter: Bool {
        self >= 0x20 ? self != 0x7F : self == UInt8(ascii: "\t")
    }

    /// A space or a horizontal tab (RFC 9110 OWS).
    var isHTTPWhitespace: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\t")
    }

    /// The value of a hexadecimal digit (either case), or nil.
    var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    var isASCIIDigit: Bool {
        self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")
    }
}
