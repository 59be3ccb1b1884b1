extension HostAndPort {
    /// Reads `"host:port"`, with IPv6 addresses in brackets (`"[::1]:8080"`), as written in `[listen]`,
    /// `servers` and the routes file's `proxy host:port`. The host is kept as written but without
    /// brackets and lowercased. Port 0 is accepted only with `allowingPortZero` (a listener that asks
    /// the kernel for a free port, as tests do); a server needs a real one.
    public init?(parsing text: String, allowingPortZero: Bool = false) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = text[..<colon]
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return nil }
            host = host.dropFirst().dropLast()
            guard HostSyntax.isIPv6(String(host)) else { return nil }
        } else {
            // A bare IPv6 address would make the port ambiguous (is `::1:80` a port?).
            guard !host.contains(":"), HostSyntax.isHost(String(host)) else { return nil }
        }
        guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = Int(portText), port <= 65535, port > 0 || allowingPortZero
        else { return nil }
        self.init(host: host.lowercased(), port: port)
    }
}
