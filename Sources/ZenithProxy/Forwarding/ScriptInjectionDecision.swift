import NIOHTTP1
import ZenithText

/// Whether a response on an `inject=` route gets the route's script tag, and the head sent with it.
/// Made by `ProxyExchange` from the backend's response head; the tag itself is `ScriptInjection`'s.
///
/// Only a whole HTML page can take the tag: the answer to a GET (a HEAD answer has no body, and is
/// left as the backend sent it), status 200, `Content-Type: text/html`, no Content-Range, and not
/// compressed (Zenith does not decompress pages; compressed ones are left alone and counted), and
/// not fetched by a script (`X-Requested-With: XMLHttpRequest`: a fragment such as Horizon's
/// header or a modal form, loaded into a page that has the tag already).
/// The tag is always inserted once a page qualifies, so a Content-Length grows by its length.
enum ScriptInjectionDecision: Equatable {
    /// Insert the tag and send this head.
    case inject(HTTPResponseHead)
    /// A page, but compressed: sent unchanged.
    case skipEncoded
    /// Not a page: sent unchanged.
    case leave

    init(method: HTTPMethod, fetchedByScript: Bool = false, response head: HTTPResponseHead, tagLength: Int) {
        let headers = head.headers
        guard method == .GET, !fetchedByScript, head.status == .ok, !headers.contains(name: "content-range"),
            let contentType = headers.first(name: "content-type"),
            Self.mediaType(of: contentType[...]).equalsIgnoringASCIICase("text/html")
        else {
            self = .leave
            return
        }
        for coding in headers["content-encoding"] {
            for token in coding.split(separator: ",") {
                let name = token.trimmingHTTPWhitespace()
                if !name.isEmpty && !name.equalsIgnoringASCIICase("identity") {
                    self = .skipEncoded
                    return
                }
            }
        }
        let lengths = headers["content-length"]
        guard !lengths.isEmpty else {
            // Chunked or ended by the close: the client's framing takes the longer body as it is.
            self = .inject(head)
            return
        }
        guard lengths.count == 1, let length = Int64(decimalDigits: String(lengths[0].trimmingHTTPWhitespace())),
            case (let grown, false) = length.addingReportingOverflow(Int64(tagLength))
        else {
            self = .leave
            return
        }
        var adjusted = head
        adjusted.headers.replaceOrAdd(name: "content-length", value: String(grown))
        self = .inject(adjusted)
    }

    /// A GET that asks for HTML, as a browser navigation does. On an `inject=` route it is forwarded
    /// with `Accept-Encoding: identity` instead of the client's: a backend that compresses its pages
    /// (Apache with mod_deflate) then answers one that the tag can go into. Other requests (scripts,
    /// JSON calls, `Accept: */*`) keep their encodings.
    /// Whether a request was made by a page's script rather than by the browser's navigation.
    static func isFetchedByScript(_ head: HTTPRequestHead) -> Bool {
        head.headers["x-requested-with"].contains { $0.trimmingHTTPWhitespace().equalsIgnoringASCIICase("xmlhttprequest") }
    }

    static func asksForPage(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .GET else { return false }
        for (name, value) in head.headers where name.equalsIgnoringASCIICase("accept") {
            for element in value.split(separator: ",") where Self.mediaType(of: element).equalsIgnoringASCIICase("text/html") {
                return true
            }
        }
        return false
    }

    /// `text/html` of `text/html; charset=utf-8` (RFC 9110 §8.3.1; also an Accept element).
    private static func mediaType(of value: Substring) -> Substring {
        let withoutParameters = value.firstIndex(of: ";").map { value[..<$0] } ?? value
        return withoutParameters.trimmingHTTPWhitespace()
    }
}
