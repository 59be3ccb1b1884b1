import ZenithText

/// The parts of `redis://[[user]:password@]host[:port][/db]` or `rediss://…`.
struct RedisURL: Equatable {
    var tls: Bool
    var username: String?
    var password: String?
    var host: String
    var port: Int
    var database: Int

    init(_ url: String) throws(RedisConfigurationError) {
        let bytes = Array(url.utf8)
        let lower = String(decoding: bytes.prefix(9).map { $0 | ($0 >= 0x41 && $0 <= 0x5A ? 0x20 : 0) }, as: UTF8.self)
        var rest: ArraySlice<UInt8>
        if lower.hasPrefix("rediss://") {
            tls = true
            rest = bytes.dropFirst(9)
        } else if lower.hasPrefix("redis://") {
            tls = false
            rest = bytes.dropFirst(8)
        } else {
            throw .badURL("the scheme must be redis:// or rediss://")
        }
        if rest.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            throw .badURL("query and fragment are not supported (give the database as /db)")
        }
        if rest.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw .badURL("spaces and control characters are not allowed")
        }
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        var authority = rest[..<slash]
        let path = rest[slash...]

        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            let userinfo = authority[..<at]
            authority = authority[(at + 1)...]
            guard let colon = userinfo.firstIndex(of: UInt8(ascii: ":")) else {
                throw .badURL("the credentials must be user:password or :password")
            }
            let user = try Self.decoded(userinfo[..<colon], what: "user")
            let password = try Self.decoded(userinfo[(colon + 1)...], what: "password")
            username = user.isEmpty ? nil : user
            self.password = password.isEmpty ? nil : password
        }

        var portText: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw .badURL("an IPv6 host needs its closing ]") }
            host = String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
            guard host.contains(":"), host.utf8.allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
                throw .badURL("[\(host)] is not an IPv6 address")
            }
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { throw .badURL("after the IPv6 host only :port may follow") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = String(decoding: authority[..<colon], as: UTF8.self)
            portText = authority[(colon + 1)...]
        } else {
            host = String(decoding: authority, as: UTF8.self)
        }
        guard !host.isEmpty else { throw .badURL("the host is missing") }
        guard host.utf8.allSatisfy({ $0.isHostByte || $0 == UInt8(ascii: ":") }) else {
            throw .badURL("the host \(host) has a character a host name cannot have")
        }

        port = 6379
        if let portText {
            guard let value = Self.decimal(portText, max: 65535), value > 0 else { throw .badURL("the port must be 1-65535") }
            port = value
        }
        database = 0
        if path.count > 1 {
            guard let value = Self.decimal(path.dropFirst(), max: 1 << 20) else {
                throw .badURL("the path must be /db, a database number")
            }
            database = value
        }
    }

    private static func decoded(_ bytes: ArraySlice<UInt8>, what: String) throws(RedisConfigurationError) -> String {
        guard let decoded = bytes.percentDecoded(plusAsSpace: false), let text = String(validating: decoded, as: UTF8.self) else {
            throw .badURL("the \(what) has a bad %-escape or is not UTF-8")
        }
        return text
    }

    private static func decimal(_ bytes: ArraySlice<UInt8>, max: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 8, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let value = bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return value <= max ? value : nil
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) || ((self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "f"))
    }

    /// Letters, digits, `-`, `.`, `_`: a DNS name or an IPv4 address.
    fileprivate var isHostByte: Bool {
        let lower = self | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
            || self == UInt8(ascii: "-") || self == UInt8(ascii: ".") || self == UInt8(ascii: "_")
    }
}
