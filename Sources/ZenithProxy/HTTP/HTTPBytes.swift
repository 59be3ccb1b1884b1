#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZenithText

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
}
