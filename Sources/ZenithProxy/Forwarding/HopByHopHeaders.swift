import NIOHTTP1
import ZenithText

/// The hop-by-hop rules of RFC 9110 §7.6.1: headers that describe one connection and must not be
/// passed on by a proxy, plus every header that the message's Connection header names.
struct HopByHopHeaders {
    /// Lowercased field names listed in the message's Connection header(s).
    private let connectionTokens: [Substring]

    init(of headers: HTTPHeaders) {
        var tokens: [Substring] = []
        for (name, value) in headers where name.utf8.count == 10 && name.equalsIgnoringASCIICase("connection") {
            value.forEachListElement { token in
                // `keep-alive` and `close` are the usual values and name nothing extra to remove
                // (Keep-Alive is hop-by-hop anyway): skipping them spares an allocation per message.
                if !token.equalsIgnoringASCIICase("keep-alive") && !token.equalsIgnoringASCIICase("close") {
                    tokens.append(Substring(token.lowercased()))
                }
                return true
            }
        }
        self.connectionTokens = tokens
    }

    /// The Connection header asked for a protocol upgrade.
    var requestsUpgrade: Bool {
        self.connectionTokens.contains("upgrade")
    }

    /// `name` must not cross the proxy.
    func contains(_ name: String) -> Bool {
        if Self.isAlwaysHopByHop(name) { return true }
        guard !self.connectionTokens.isEmpty else { return false }
        return self.connectionTokens.contains { name.equalsIgnoringASCIICase(String($0)) }
    }

    private static func isAlwaysHopByHop(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { UnsafeRawBufferPointer($0).isAlwaysHopByHop }
    }
}
