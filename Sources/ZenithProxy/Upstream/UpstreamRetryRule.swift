import NIOHTTP1

/// When a request is sent again on a new upstream connection: the one rule that proxied requests
/// (`ProxyExchange`) and Zenith's own (`UpstreamFetch`) share.
///
/// A connection that closes before any byte of an answer is most likely one the backend closed
/// without reading the request: a reused keep-alive connection it closed while it sat idle in the
/// pool (the race every keep-alive client has), or a new one it accepted but had no worker for
/// (Apache's event MPM, all workers busy, closes such connections: "will shutdown N keep-alive
/// connections", as a burst of HTTP/2 streams meets it). The request is sent once more, on a new
/// connection, when repeating it is safe (RFC 9110 §9.2.2: an idempotent method, and nothing of
/// its body consumed). Once only, so that a request that makes the backend drop its connection
/// reaches it twice at most. A malformed answer is never retried: it would only come again.
struct UpstreamRetryRule {
    private(set) var retried = false

    /// The connection closed (with `error`, if any) before a response head arrived. True when the
    /// request is to be sent again on a new connection (once at most).
    mutating func closedBeforeAnswer(method: HTTPMethod, bodyBytesSent: Bool, error: Error?) -> Bool {
        guard !self.retried, !bodyBytesSent, !(error is UpstreamResponseDecoder.Failure) else { return false }
        switch method {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE:
            self.retried = true
            return true
        default:
            return false
        }
    }
}
