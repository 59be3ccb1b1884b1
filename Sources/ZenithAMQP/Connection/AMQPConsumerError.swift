/// Why a consumer's connection ended or could not be made. Surfaced through
/// `AMQPConsumer.State.down` and the state observer; the consumer reconnects after each, except
/// after `stop()`.
public enum AMQPConsumerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broker sent connection.close (e.g. 320 connection-forced on `rabbitmqctl
    /// close_connection` or shutdown, 403 access-refused on bad credentials, 530 not-allowed for
    /// a missing vhost).
    case connectionClosedByBroker(AMQPCloseReason)
    /// The broker closed the consumer's channel (e.g. 404 not-found from the passive declare of a
    /// missing exchange, 405 resource-locked for another connection's exclusive queue).
    case channelClosedByBroker(AMQPCloseReason)
    /// The broker cancelled the consumer (basic.cancel: the queue was deleted, or its node went
    /// down); the connection is closed so that the queue is declared and consumed again.
    case consumerCancelledByBroker(consumerTag: String)
    /// The broker's bytes broke the protocol; the client closed with `replyCode`.
    case protocolViolation(AMQPProtocolError)
    /// Nothing came from the broker for two heartbeat intervals.
    case missedHeartbeats
    /// The broker offers no mechanism this client has (it speaks PLAIN only), or another
    /// negotiation step is impossible.
    case negotiationFailed(String)
    /// The TCP or TLS connection failed, or closed before connection.close.
    case transport(String)
    /// Connecting and negotiating took longer than the configured timeout.
    case connectTimedOut

    public var description: String {
        switch self {
        case .connectionClosedByBroker(let reason): "broker closed the connection: \(reason)"
        case .channelClosedByBroker(let reason): "broker closed the channel: \(reason)"
        case .consumerCancelledByBroker(let tag): "broker cancelled consumer \(tag) (queue deleted?)"
        case .protocolViolation(let error): "\(error)"
        case .missedHeartbeats: "no heartbeat from the broker for two intervals"
        case .negotiationFailed(let message): "negotiation failed: \(message)"
        case .transport(let message): "connection failed: \(message)"
        case .connectTimedOut: "connect timed out"
        }
    }
}
