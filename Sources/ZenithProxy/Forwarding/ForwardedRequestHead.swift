import NIOCore
import NIOHTTP1
import ZenithConfig
import ZenithText

/// Writes the head Zenith sends upstream for the head a client sent: hop-by-hop headers out;
/// framing restated from `RequestFraming` (the client's Content-Length and Transfer-Encoding
/// fields are never copied, so the backend reads the body exactly where Zenith does);
/// X-Forwarded-For/-Proto/-Host and Forwarded set (a trusted proxy's values extended, anyone
/// else's replaced); X-Real-IP set, and the other fields that name the client's address or the
/// original request dropped unless a trusted proxy sent them; Host kept or set to the server's;
/// and Accept-Encoding set to `identity` for a page that an `inject=` route inserts its script into.
struct ForwardedRequestHead {
    var client: DownstreamPeer
    var clientIsTrusted: Bool
    var preserveHost: Bool
    var server: HostAndPort
    /// Replace the client's Accept-Encoding with `identity` (see `ScriptInjectionDecision.asksForPage`).
    var identityEncoding = false

    /// Writes the head for `head` as HTTP/1.1 bytes, fields straight from the client's strings
    /// into `buffer` (no header list is built, and joined values are written piece by piece).
    func write(_ head: HTTPRequestHead, framing: RequestFraming, upgrade: Bool, into buffer: inout ByteBuffer) {
        buffer.writeHTTPRequestLine(method: head.method, uri: head.uri)
        let hopByHop = HopByHopHeaders(of: head.headers)
        var host: String?
        var forwardedFor: [String] = []
        var forwardedProto: String?
        var forwardedHost: String?
        var forwarded: [String] = []
        var realIPSent = false
        for (name, value) in head.headers {
            if hopByHop.contains(name) { continue }
            if Self.namesClientOrOriginalRequest(name) {
                // Believed from a trusted proxy only; anyone else could pose as any address.
                guard self.clientIsTrusted else { continue }
                realIPSent = realIPSent || name.equalsIgnoringASCIICase("x-real-ip")
            }
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                host = value
                if !self.preserveHost { continue }
            case 6 where name.equalsIgnoringASCIICase("expect"):
                continue  // Zenith answers 100-continue itself.
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                continue  // Restated below from the framing Zenith decided on.
            case 9 where name.equalsIgnoringASCIICase("forwarded"):
                forwarded.append(value)
                continue
            case 15 where name.equalsIgnoringASCIICase("x-forwarded-for"):
                forwardedFor.append(value)
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
            buffer.writeHTTPField(name, value)
        }
        if !self.preserveHost || host == nil {
            // An HTTP/1.0 client may send no Host, but what goes upstream is HTTP/1.1, which
            // must have one (RFC 9112 §3.2).
            buffer.writeHTTPField("host", self.server.description)
        }
        if self.identityEncoding {
            buffer.writeHTTPField("accept-encoding", "identity")
        }
        if framing.chunked {
            buffer.writeHTTPField("transfer-encoding", "chunked")
        } else if let length = framing.contentLength {
            buffer.writeHTTPField("content-length", String(length))
        } else if Self.usuallyHasBody(head.method) {
            // No framing means no body (RFC 9112 §6.3); said outright, since some backends
            // answer 411 Length Required to a POST without it.
            buffer.writeHTTPField("content-length", "0")
        }
        if upgrade, let protocols = head.headers.first(name: "upgrade") {
            buffer.writeHTTPField("connection", "upgrade")
            buffer.writeHTTPField("upgrade", protocols)
        }

        let client = self.client
        if !realIPSent {
            buffer.writeHTTPField("x-real-ip", client.ip)
        }
        // A trusted proxy's list is extended; anyone else's is replaced.
        let trusted = self.clientIsTrusted
        self.writeListStart("x-forwarded-for: ", earlier: forwardedFor, into: &buffer)
        buffer.writeString(client.ip)
        buffer.writeStaticString("\r\n")
        buffer.writeHTTPField("x-forwarded-proto", trusted ? forwardedProto ?? client.scheme : client.scheme)
        if let hostValue = trusted ? forwardedHost ?? host : host {
            buffer.writeHTTPField("x-forwarded-host", hostValue)
        }
        self.writeListStart("forwarded: ", earlier: forwarded, into: &buffer)
        buffer.writeString(client.forwardedElement)
        if let host {
            // The Host is the client's text: a quote or backslash in it is escaped (RFC 9110
            // §5.6.4), or it would end the quoted string and let the client write Forwarded
            // parameters of its own.
            buffer.writeStaticString(";host=\"")
            if host.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for byte in host.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { buffer.writeInteger(UInt8(ascii: "\\")) }
                    buffer.writeInteger(byte)
                }
            } else {
                buffer.writeString(host)
            }
            buffer.writeStaticString("\"")
        }
        buffer.writeStaticString("\r\n\r\n")
    }

    /// The start of a list field that this proxy appends its element to: the name, then the
    /// values a trusted proxy sent, each followed by ", " (anyone else's are dropped).
    private func writeListStart(_ name: StaticString, earlier: [String], into buffer: inout ByteBuffer) {
        buffer.writeStaticString(name)
        guard self.clientIsTrusted else { return }
        for value in earlier {
            buffer.writeString(value)
            buffer.writeStaticString(", ")
        }
    }

    /// Fields in which proxies and CDNs tell a backend the client's address or scheme, or the
    /// request's original target (X-Original-URL, which some frameworks route on). Beside the
    /// X-Forwarded-* and Forwarded fields that Zenith writes itself.
    static func namesClientOrOriginalRequest(_ name: String) -> Bool {
        switch name.utf8.count {
        case 9: name.equalsIgnoringASCIICase("x-real-ip") || name.equalsIgnoringASCIICase("client-ip")
        case 11: name.equalsIgnoringASCIICase("x-client-ip")
        case 13: name.equalsIgnoringASCIICase("x-rewrite-url")
        case 14: name.equalsIgnoringASCIICase("true-client-ip") || name.equalsIgnoringASCIICase("x-original-url")
        case 15: name.equalsIgnoringASCIICase("x-forwarded-ssl") || name.equalsIgnoringASCIICase("front-end-https")
        case 16: name.equalsIgnoringASCIICase("x-forwarded-port") || name.equalsIgnoringASCIICase("cf-connecting-ip")
        case 18: name.equalsIgnoringASCIICase("x-forwarded-server") || name.equalsIgnoringASCIICase("x-forwarded-prefix")
        case 19: name.equalsIgnoringASCIICase("x-cluster-client-ip")
        default: false
        }
    }

    private static func usuallyHasBody(_ method: HTTPMethod) -> Bool {
        switch method {
        case .POST, .PUT, .PATCH: return true
        default: return false
        }
    }
}
