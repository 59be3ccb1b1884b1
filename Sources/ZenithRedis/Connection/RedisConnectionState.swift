/// Whether a `RedisClient` or `RedisSubscriber` can reach Redis now; what `/readyz` and the
/// metrics will report.
public enum RedisConnectionState: Sendable, Hashable {
    /// The first connection attempt is under way.
    case connecting
    /// Connected, authenticated, and (for a subscriber) subscribed again.
    case up
    /// The server went away or refused the connection; `reason` says why (no password in it).
    /// The client retries after a backoff.
    case down(reason: String)
    /// `shutdown()` was called.
    case shutDown
}
