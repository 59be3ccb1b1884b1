import NIOHTTP1

/// When a request is sent again on a new upstream connection: the one rule that proxied requests
/// (`ProxyExchange`) and Zenith's own (`UpstreamFetch`) share.
///
/// A reused keep-alive connection that closes before any byte of an answer was most likely closed
/// by the backend while it sat idle in the pool (the race every keep-alive client has): the
/// request is sent once more, on a new connection, when repeating it is safe (RFC 9110 §9.2.2:
/// an idempotent method, and nothing of its body consumed). A malformed answer is never retried:
/// it would only come again.
struct UpstreamRetryRule {
    private var connectionWasReused = false
    private var retried = false

    /// A connection was leased for the request; `reused` when it came from the pool's idle ones.
    mutating func attached(reused: Bool) {
        self.connectionWasReused = reused
    }

    /// The connection closed (with `error`, if any) before a response head arrived. True when the
    /// request is to be sent again on a new connection (once at most).
    mutating func closedBeforeAnswer(method: HTTPMethod, bodyBytesSent: Bool, error: Error?) -> Bool {
        guard self.connectionWasReused, !self.retried, !bodyBytesSent, !(error is UpstreamResponseDecoder.Failure)
        else { return false }
        switch method {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE:
            self.retried = true
            return true
        default:
            return false
        }
    }
}
