#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What counts as a host in the config and routes files: an IPv4 address, an IPv6 address, or a DNS
/// name (letters, digits, `-` and `_` in dot-separated labels of at most 63 characters, the last one
/// not all digits).
///
/// Underscores are allowed although RFC 1123 forbids them, because internal names often carry them
/// and refusing a name the resolver accepts would only get in the way.
enum HostSyntax {
    /// inet_pton reads a C string: text with a NUL in it would be judged by what comes before the
    /// NUL (`10.0.0.1\0junk` taken for `10.0.0.1`), so it is no address at all.
    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return !text.utf8.contains(0) && inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return !text.utf8.contains(0) && inet_pton(AF_INET6, text, &address) == 1
    }

    static func isDNSName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        // An all-digit last label is a mistyped IPv4 address (`10.0.0.256`), never a real name.
        guard let last = labels.last, !last.allSatisfy(\.isNumber) else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy(isLabelByte)
        }
    }

    /// An IP address or a DNS name, as accepted in `host:port` and in the routes file's host column.
    static func isHost(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(text) || isDNSName(text)
    }

    /// An address or an `address/prefix-length` block, as in `[proxy] trusted_proxies`.
    static func isAddressOrCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let maximumPrefix: Int
        if isIPv4(address) {
            maximumPrefix = 32
        } else if isIPv6(address) {
            maximumPrefix = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        guard parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let prefix = Int(parts[1])
        else { return false }
        return prefix <= maximumPrefix
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
