import NIOHTTP1
import ZenithText

/// Which `Origin` header values are accepted on handshakes, polls and upgrades.
public enum OriginPolicy: Sendable, Equatable {
    /// Any origin, and requests without one (development, conformance suites).
    case any
    /// The listed origins: exact ones (`https://dash.example.org`), `*.domain` patterns and `*`
    /// (any origin, written out on purpose); with `allowOwnOrigin`, also the request's own origin
    /// (its scheme and Host, as Django's CSRF check takes it), so that a dashboard served under
    /// any name needs no list. Requests without an Origin header only when `allowMissing`.
    case list([String], allowMissing: Bool, allowOwnOrigin: Bool = false)

    /// Whether `request` may proceed as far as its Origin header (or the lack of one) goes.
    public func allows(_ request: EngineIOHTTPRequest) -> Bool {
        guard let origin = request.head.headers.first(name: "origin") else {
            return self.allowsMissingOrigin(fetchSite: request.head.headers.first(name: "sec-fetch-site"))
        }
        return self.allows(origin: origin, of: request)
    }

    /// Whether a request without an Origin header may proceed.
    ///
    /// Browsers leave Origin out of same-origin GETs (a polling handshake from the dashboard's own
    /// page) but mark them `Sec-Fetch-Site: same-origin`, which page scripts cannot forge; such a
    /// request is same-origin by definition and allowed. Any cross-site browser request carries
    /// an Origin, so the check still stops other sites from using a user's cookies.
    public func allowsMissingOrigin(fetchSite: String?) -> Bool {
        switch self {
        case .any: true
        case .list(_, let allowMissing, _): allowMissing || fetchSite == "same-origin"
        }
    }

    /// Whether `origin`, named by `request`, is allowed. A request with more than one Origin field
    /// is not: no browser sends that, and which one counts would be a guess.
    public func allows(origin: String, of request: EngineIOHTTPRequest) -> Bool {
        guard case .list(let entries, _, let allowOwnOrigin) = self else { return true }
        guard Self.originFieldCount(request.head.headers) == 1 else { return false }
        let lowered = origin.lowercased()
        if allowOwnOrigin && Self.isOwnOrigin(lowered, of: request) {
            return true
        }
        return entries.contains { entry in
            let entry = entry.lowercased()
            if entry == "*" {
                return true
            }
            if entry.hasPrefix("*.") {
                // `*.example.org` matches `https://a.example.org` (any scheme, any port).
                guard let host = Self.host(of: lowered) else { return false }
                return host.hasSuffix(String(entry.dropFirst(1)))
            }
            return entry == lowered
        }
    }

    /// Whether `origin` (lowercased) is `scheme://host[:port]` of the request itself: the scheme it
    /// reached the server with, when known (else http or https), and its Host header, a default
    /// port written in either left out.
    private static func isOwnOrigin(_ origin: String, of request: EngineIOHTTPRequest) -> Bool {
        guard let host = request.head.headers.first(name: "host")?.lowercased(), !host.isEmpty,
            let colon = origin.firstIndex(of: ":"), origin[colon...].hasPrefix("://")
        else { return false }
        let scheme = origin[..<colon]
        guard request.scheme.map({ scheme == $0 }) ?? true, scheme == "http" || scheme == "https" else { return false }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        func withoutDefaultPort(_ authority: Substring) -> Substring {
            authority.hasSuffix(defaultPort) ? authority.dropLast(defaultPort.count) : authority
        }
        return withoutDefaultPort(origin[origin.index(colon, offsetBy: 3)...]) == withoutDefaultPort(host[...])
    }

    private static func originFieldCount(_ headers: HTTPHeaders) -> Int {
        var count = 0
        for (name, _) in headers where name.utf8.count == 6 && name.equalsIgnoringASCIICase("origin") {
            count += 1
        }
        return count
    }

    private static func host(of origin: String) -> Substring? {
        guard let colon = origin.firstIndex(of: ":"), origin[colon...].hasPrefix("://") else { return nil }
        var host = origin[origin.index(colon, offsetBy: 3)...]
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            host = host[..<colon]
        }
        return host
    }
}
