/// How a request's body is delimited, as `RequestHeadFields` reads it off the head.
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
        case connectionNamesFramingField

        var description: String {
            switch self {
            case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
            case .multipleContentLengths: "more than one Content-Length"
            case .invalidContentLength: "Content-Length is not a decimal number"
            case .unsupportedTransferEncoding: "Transfer-Encoding other than a single 'chunked'"
            case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
            case .missingHost: "HTTP/1.1 request without Host"
            case .multipleHosts: "more than one Host"
            case .connectionNamesFramingField: "Connection names Content-Length, Transfer-Encoding or Host"
            }
        }
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
