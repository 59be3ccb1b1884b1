import NIOCore
import NIOHTTP1
import ZenithConfig

/// Builds the head Zenith sends upstream from the head a client sent: hop-by-hop headers out,
/// framing restated, X-Forwarded-For/-Proto/-Host and Forwarded set (a trusted proxy's values
/// extended, anyone else's replaced), Host kept or set to the server's, and Accept-Encoding set to
/// `identity` for a page that an `inject=` route inserts its script into.
struct ForwardedRequestHead {
    /// What the forwarding headers say of one client connection, made once per connection.
    struct Client {
        let ip: String
        let scheme: String
        /// `for=IP;proto=SCHEME`, the start of this proxy's Forwarded element.
        let forwardedElement: String

        init(ip: String, scheme: String) {
            self.ip = ip
            self.scheme = scheme
            // RFC 7239 §6: IPv6 nodes are bracketed and the whole value quoted.
            let node = ip.utf8.contains(UInt8(ascii: ":")) ? "\"[" + ip + "]\"" : ip
            self.forwardedElement = "for=" + node + ";proto=" + scheme
        }
    }

    var client: Client
    var clientIsTrusted: Bool
    var preserveHost: Bool
    var server: HostAndPort
    /// Replace the client's Accept-Encoding with `identity` (see `ScriptInjectionDecision.asksForPage`).
    var identityEncoding = false

    func make(from head: HTTPRequestHead, framing: RequestFraming, upgrade: Bool) -> HTTPRequestHead {
        let hopByHop = HopByHopHeaders(of: head.headers)
        // A plain array, wrapped once: `HTTPHeaders.add` would scan every name again for
        // non-ASCII bytes and Connection, and these names are parsed tokens or literals.
        var headers: [(String, String)] = []
        headers.reserveCapacity(head.headers.count + 5)
        var host: String?
        var forwardedFor: String?
        var forwardedProto: String?
        var forwardedHost: String?
        var forwarded: String?
        for (name, value) in head.headers {
            if hopByHop.contains(name) { continue }
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                host = value
                if !self.preserveHost { continue }
            case 6 where name.equalsIgnoringASCIICase("expect"):
                continue  // Zenith answers 100-continue itself.
            case 9 where name.equalsIgnoringASCIICase("forwarded"):
                forwarded = forwarded.map { $0 + ", " + value } ?? value
                continue
            case 15 where name.equalsIgnoringASCIICase("x-forwarded-for"):
                forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value
                continue
            case 15 where self.identityEncoding && name.equalsIgnoringASCIICase("accept-encoding"):
                continue
            case 16 where name.equalsIgnoringASCIICase("x-forwarded-host"):
                forwardedHost = value
                continue
            case 17 where name.equalsIgnoringASCIICase("x-forwarded-proto"):
                forwardedProto = value
                continue
            default:
                break
            }
            headers.append((name, value))
        }
        if !self.preserveHost {
            headers.append(("host", self.server.description))
        }
        if self.identityEncoding {
            headers.append(("accept-encoding", "identity"))
        }
        if framing.chunked {
            headers.append(("transfer-encoding", "chunked"))
        } else if framing.contentLength == nil && Self.usuallyHasBody(head.method) {
            // No framing means no body (RFC 9112 §6.3); said outright, since some backends
            // answer 411 Length Required to a POST without it.
            headers.append(("content-length", "0"))
        }
        if upgrade, let protocols = head.headers.first(name: "upgrade") {
            headers.append(("connection", "upgrade"))
            headers.append(("upgrade", protocols))
        }

        let client = self.client
        let trusted = self.clientIsTrusted
        headers.append(("x-forwarded-for", trusted && forwardedFor != nil ? forwardedFor! + ", " + client.ip : client.ip))
        headers.append(("x-forwarded-proto", trusted ? forwardedProto ?? client.scheme : client.scheme))
        if let hostValue = trusted ? forwardedHost ?? host : host {
            headers.append(("x-forwarded-host", hostValue))
        }
        var element = client.forwardedElement
        if let host {
            // One allocation for the element, not one per piece. The Host is the client's text:
            // a quote or backslash in it is escaped (RFC 9110 §5.6.4), or it would end the quoted
            // string and let the client write Forwarded parameters of its own.
            element.reserveCapacity(element.utf8.count + host.utf8.count + 8)
            element += ";host=\""
            if host.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for character in host.unicodeScalars {
                    if character == "\"" || character == "\\" { element += "\\" }
                    element.unicodeScalars.append(character)
                }
            } else {
                element += host
            }
            element += "\""
        }
        headers.append(("forwarded", trusted && forwarded != nil ? forwarded! + ", " + element : element))

        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: HTTPHeaders(headers))
    }

    private static func usuallyHasBody(_ method: HTTPMethod) -> Bool {
        switch method {
        case .POST, .PUT, .PATCH: return true
        default: return false
        }
    }
}
