import NIOHPACK
import NIOHTTP1
import ZenithText

/// Why a request's header block cannot become a request head (the stream is reset with
/// PROTOCOL_ERROR, as NIOHTTP2's HTTP/2-to-HTTP/1 codec did).
struct HTTP2RequestBlockError: Error, Equatable {
    /// The pseudo-header field that is missing.
    let missing: String
}

extension HTTPRequestHead {
    /// The request head a stream's header block stands for, as HTTP/1.1 would have carried it:
    /// `:authority` becomes Host (unless Host came too), and a request that may have a body
    /// without saying how long (no content-length) is framed as chunked, or as empty when its
    /// HEADERS ended the stream, so that `RequestHeadFields` reads the same framing from it as
    /// from an HTTP/1.1 head; the Cookie fields a browser splits its cookies into are one again.
    /// NIOHTTP2 has already validated the block (RFC 9113 §8.2 and §8.3:
    /// pseudo-fields once each and first, their values without spaces or control bytes, no
    /// connection-specific field, lowercase names).
    init(http2Block block: HPACKHeaders, endStream: Bool) throws {
        var method: String?
        var path: String?
        var authority: String?
        var hasHost = false
        var hasContentLength = false
        for (name, value, _) in block {
            switch name {
            case ":method": method = value
            case ":path": path = value
            case ":authority": authority = value
            case "host": hasHost = true
            case "content-length": hasContentLength = true
            default: break
            }
        }
        guard let method else { throw HTTP2RequestBlockError(missing: ":method") }
        guard let path else { throw HTTP2RequestBlockError(missing: ":path") }
        guard let authority else { throw HTTP2RequestBlockError(missing: ":authority") }
        let httpMethod = HTTPMethod(rawValue: method)
        var fields: [(String, String)] = []
        fields.reserveCapacity(block.count)
        if !hasHost {
            fields.append(("host", authority))
        }
        if !hasContentLength && httpMethod.mayHaveBody {
            fields.append(endStream ? ("content-length", "0") : ("transfer-encoding", "chunked"))
        }
        // A browser may split its Cookie into one field per cookie (RFC 9113 §8.2.3): for HTTP/1.1
        // they are one field again, joined by "; ". Sent as several, they reach Django joined by
        // ", " (as any repeated field), and its session cookie is lost.
        var cookie: String?
        for (name, value, _) in block where !name.hasPrefix(":") {
            if name == "cookie" {
                // Appended in place: a block of many tiny crumbs costs linear time, not quadratic.
                if cookie == nil {
                    cookie = value
                } else {
                    cookie!.append("; ")
                    cookie!.append(value)
                }
            } else {
                fields.append((name, value))
            }
        }
        if let cookie {
            fields.append(("cookie", cookie))
        }
        self.init(version: HTTPVersion(major: 2, minor: 0), method: httpMethod, uri: path, headers: HTTPHeaders(fields))
    }
}

extension HTTPMethod {
    /// RFC 9110 gives a body to this method's requests: not GET, HEAD, DELETE, CONNECT or TRACE,
    /// whose bodies have no meaning (a request that sends one anyway says how long it is).
    fileprivate var mayHaveBody: Bool {
        switch self {
        case .GET, .HEAD, .DELETE, .CONNECT, .TRACE: false
        default: true
        }
    }
}

extension HTTPHeaders {
    /// A trailer block's fields.
    init(http2Trailers block: HPACKHeaders) {
        var fields: [(String, String)] = []
        fields.reserveCapacity(block.count)
        for (name, value, _) in block where !name.hasPrefix(":") {
            fields.append((name, value))
        }
        self.init(fields)
    }
}

extension HPACKHeaders {
    /// The header block of a response head: `:status`, then its fields with lowercase names,
    /// without the connection-specific ones HTTP/2 forbids (RFC 9113 §8.2.2): Connection, the
    /// fields it names, Keep-Alive, Proxy-Connection, Transfer-Encoding and Upgrade.
    init(http2Response head: HTTPResponseHead) {
        self.init()
        self.reserveCapacity(head.headers.count + 1)
        self.add(name: ":status", value: String(head.status.code))
        let namedByConnection = head.headers[canonicalForm: "connection"]
        for (name, value) in head.headers {
            let lowercased = name.lowercased()
            switch lowercased {
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
                continue
            default:
                if !namedByConnection.isEmpty && namedByConnection.contains(where: { $0.equalsIgnoringASCIICase(lowercased) }) {
                    continue
                }
                self.add(name: lowercased, value: value)
            }
        }
    }
}
