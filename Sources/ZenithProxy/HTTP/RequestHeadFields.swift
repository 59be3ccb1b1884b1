import NIOHTTP1
import ZenithText

/// The header fields of a request head that Zenith acts on, read in one pass over the head: the
/// body's framing (with the checks of RFC 9112 §6.3 that llhttp does not already make), Host for
/// routing, Accept for error pages, Upgrade and Expect. A request that fails the framing checks is
/// answered 400 and never forwarded, because a proxy and its backend that disagree on where a body
/// ends are a smuggling channel. That includes a Connection header naming Content-Length,
/// Transfer-Encoding or Host: a proxy that honoured it would drop the field and forward a body
/// the backend reads as a request of its own (RFC 9110 §7.6.1 lets a proxy refuse it).
struct RequestHeadFields {
    var framing: RequestFraming
    /// The Host field (at most one is accepted).
    var host: String?
    /// The first Accept field.
    var accept: String?
    /// The first Upgrade field, as sent.
    var upgrade: String?
    /// Expect: 100-continue was sent.
    var expectsContinue = false
    /// Why the framing is refused; nil when the request may be forwarded.
    var framingProblem: RequestFraming.Problem?

    static func read(_ head: HTTPRequestHead) -> RequestHeadFields {
        var fields = RequestHeadFields(framing: RequestFraming(contentLength: nil, chunked: false))
        fields.framingProblem = fields.scan(head)
        return fields
    }

    /// Fills the fields from `head`'s headers and returns the first framing problem, if any.
    private mutating func scan(_ head: HTTPRequestHead) -> RequestFraming.Problem? {
        var contentLengthCount = 0
        var transferEncodingCount = 0
        var hostCount = 0
        var expectSeen = false
        var invalidContentLength = false
        var namesFramingField = false
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
                self.host = value
            case 6 where name.equalsIgnoringASCIICase("accept"):
                if self.accept == nil { self.accept = value }
            case 10 where name.equalsIgnoringASCIICase("connection"):
                if Self.namesFramingField(value) { namesFramingField = true }
            case 6 where name.equalsIgnoringASCIICase("expect"):
                if !expectSeen { self.expectsContinue = value.equalsIgnoringASCIICase("100-continue") }
                expectSeen = true
            case 7 where name.equalsIgnoringASCIICase("upgrade"):
                if self.upgrade == nil { self.upgrade = value }
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                contentLengthCount += 1
                if let length = Int64(decimalDigits: value) {
                    self.framing.contentLength = length
                } else {
                    invalidContentLength = true
                }
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferEncodingCount += 1
                self.framing.chunked = value.trimmingHTTPWhitespace().equalsIgnoringASCIICase("chunked")
            default:
                continue
            }
        }
        if invalidContentLength { return .invalidContentLength }
        if contentLengthCount > 1 { return .multipleContentLengths }
        if transferEncodingCount > 0 {
            if head.version.minor == 0 && head.version.major == 1 { return .transferEncodingInHTTP10 }
            if contentLengthCount > 0 { return .contentLengthWithTransferEncoding }
            if transferEncodingCount > 1 || !self.framing.chunked { return .unsupportedTransferEncoding }
        }
        if namesFramingField { return .connectionNamesFramingField }
        if hostCount > 1 { return .multipleHosts }
        if hostCount == 0 && head.version == .http1_1 { return .missingHost }
        return nil
    }

    /// The Connection value `value` lists Content-Length, Transfer-Encoding or Host, fields that
    /// decide where the message goes and ends and so must never be dropped as hop-by-hop. Usually
    /// `keep-alive` or `close`: scanned token by token without allocating.
    static func namesFramingField(_ value: String) -> Bool {
        var found = false
        value.forEachListElement { token in
            switch token.utf8.count {
            case 4: found = token.equalsIgnoringASCIICase("host")
            case 14: found = token.equalsIgnoringASCIICase("content-length")
            case 17: found = token.equalsIgnoringASCIICase("transfer-encoding")
            default: break
            }
            return !found
        }
        return found
    }
}
