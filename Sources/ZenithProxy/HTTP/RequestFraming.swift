import NIOHTTP1

/// How a request's body is delimited, read off its head after the checks of RFC 9112 §6.3 that
/// llhttp does not already make. A request that fails them is answered 400 and never forwarded,
/// because a proxy and its backend that disagree on where a body ends are a smuggling channel.
struct RequestFraming: Equatable {
    /// The single, numeric Content-Length, if one was sent.
    var contentLength: Int64?
    /// The body is `Transfer-Encoding: chunked`.
    var chunked: Bool

    /// Why a request's framing was refused (for the log line).
    enum Problem: Error, Equatable, CustomStringConvertible {
        case contentLengthWithTransferEncoding
        case multipleContentLengths
        case invalidContentLength
        case unsupportedTransferEncoding
        case transferEncodingInHTTP10
        case missingHost
        case multipleHosts

        var description: String {
            switch self {
            case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
            case .multipleContentLengths: "more than one Content-Length"
            case .invalidContentLength: "Content-Length is not a decimal number"
            case .unsupportedTransferEncoding: "Transfer-Encoding other than a single 'chunked'"
            case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
            case .missingHost: "HTTP/1.1 request without Host"
            case .multipleHosts: "more than one Host"
            }
        }
    }

    /// Reads the framing of `head` in one pass over its headers.
    static func of(_ head: HTTPRequestHead) -> Result<RequestFraming, Problem> {
        var contentLength: Int64?
        var contentLengthCount = 0
        var transferEncodingCount = 0
        var chunked = false
        var hostCount = 0
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                contentLengthCount += 1
                guard let length = Int64(decimalDigits: value) else { return .failure(.invalidContentLength) }
                contentLength = length
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferEncodingCount += 1
                chunked = value.trimmingHTTPWhitespace().equalsIgnoringASCIICase("chunked")
            default:
                continue
            }
        }
        if contentLengthCount > 1 { return .failure(.multipleContentLengths) }
        if transferEncodingCount > 0 {
            if head.version.minor == 0 && head.version.major == 1 { return .failure(.transferEncodingInHTTP10) }
            if contentLengthCount > 0 { return .failure(.contentLengthWithTransferEncoding) }
            if transferEncodingCount > 1 || !chunked { return .failure(.unsupportedTransferEncoding) }
        }
        if hostCount > 1 { return .failure(.multipleHosts) }
        if hostCount == 0 && head.version == .http1_1 { return .failure(.missingHost) }
        return .success(RequestFraming(contentLength: contentLength, chunked: chunked))
    }

    /// The request carries a body (possibly empty when Content-Length is 0).
    var hasBody: Bool { self.chunked || (self.contentLength ?? 0) > 0 }
}

extension Int64 {
    /// Parses 1*DIGIT only: no sign, no spaces, no commas (a list of lengths is refused upstream).
    init?(decimalDigits text: String) {
        var value: Int64 = 0
        var sawDigit = false
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            sawDigit = true
        }
        guard sawDigit else { return nil }
        self = value
    }
}
