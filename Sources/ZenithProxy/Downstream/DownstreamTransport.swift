/// How a client connection speaks to Zenith: what its scheme is (for X-Forwarded-Proto) and
/// whether requests come as HTTP/2 streams (no connection-level keep-alive headers).
enum DownstreamTransport {
    case http1
    case http1OverTLS
    case http2

    var metricsLabel: String {
        switch self {
        case .http1: "http1"
        case .http1OverTLS: "http1-tls"
        case .http2: "h2-stream"
        }
    }

    var scheme: String {
        switch self {
        case .http1: "http"
        case .http1OverTLS, .http2: "https"
        }
    }
}
