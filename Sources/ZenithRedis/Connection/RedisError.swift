/// Why a command or a subscription did not get its answer. Never holds a password.
public enum RedisError: Error, Sendable, Hashable {
    /// Redis answered the command with an error reply (the text starts with its code, `ERR`, `WRONGTYPE`…).
    case reply(String)
    /// Redis refused `AUTH` (wrong password or user), or wants one and none was configured.
    case authenticationFailed(String)
    /// The connection went away while the command was in flight: it may or may not have run.
    case connectionClosed
    /// The client is down (waiting to reconnect): the command was not sent.
    case notConnected
    /// The server sent bytes that are not RESP2 within the limits; the connection was closed.
    case protocolError(RESPDecodingError)
    /// A well-formed reply that does not answer what was asked (a reply with nothing in flight,
    /// a subscription confirmation of the wrong kind); the connection was closed.
    case unexpectedReply(String)
    /// `RedisConnectionHandler.maxInFlight` commands already wait for their replies (Redis is
    /// slow or stuck): the command was not sent, so that memory stays bounded.
    case overloaded
    /// The client was shut down.
    case shutDown
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .reply(let text): "Redis answered: \(text)"
        case .authenticationFailed(let text): "Redis refused the credentials: \(text)"
        case .connectionClosed: "the connection to Redis closed before the reply came"
        case .notConnected: "not connected to Redis (reconnecting)"
        case .protocolError(let error): "\(error)"
        case .unexpectedReply(let text): "unexpected reply from Redis: \(text)"
        case .overloaded: "too many commands waiting for Redis's replies: not sent"
        case .shutDown: "the Redis client is shut down"
        }
    }
}
