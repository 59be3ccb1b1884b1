/// Why bytes from the broker could not be read as AMQP 0-9-1, with the reply code the spec
/// (§1.3, "Constants") says the connection is closed with. Thrown by the frame decoder, the
/// method and field-table readers; the connection handler answers it with `connection.close`.
public struct AMQPProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The AMQP reply code sent in `connection.close` (501 frame-error, 502 syntax-error,
    /// 503 command-invalid, 505 unexpected-frame, 540 not-implemented).
    public let replyCode: UInt16
    /// What was wrong, for the log and the close reason (never holds message data).
    public let message: String
    /// The framing itself is broken (a bad frame-end octet, an unknown frame type): §4.2.3 says
    /// to close the socket without sending anything more, not even `connection.close`.
    public let closesWithoutReply: Bool

    init(_ replyCode: UInt16, _ message: String, closesWithoutReply: Bool = false) {
        self.replyCode = replyCode
        self.message = message
        self.closesWithoutReply = closesWithoutReply
    }

    public var description: String { "AMQP protocol error \(replyCode): \(message)" }

    static func frame(_ message: String) -> AMQPProtocolError { .init(AMQPReplyCode.frameError, message) }
    static func framing(_ message: String) -> AMQPProtocolError { .init(AMQPReplyCode.frameError, message, closesWithoutReply: true) }
    static func syntax(_ message: String) -> AMQPProtocolError { .init(AMQPReplyCode.syntaxError, message) }
    static func unexpected(_ message: String) -> AMQPProtocolError { .init(AMQPReplyCode.unexpectedFrame, message) }
    static func notImplemented(_ message: String) -> AMQPProtocolError { .init(AMQPReplyCode.notImplemented, message) }
}

/// The reply codes of AMQP 0-9-1 this client sends or names (spec §1.3).
public enum AMQPReplyCode {
    public static let success: UInt16 = 200
    public static let connectionForced: UInt16 = 320
    public static let notFound: UInt16 = 404
    public static let frameError: UInt16 = 501
    public static let syntaxError: UInt16 = 502
    public static let commandInvalid: UInt16 = 503
    public static let channelError: UInt16 = 504
    public static let unexpectedFrame: UInt16 = 505
    public static let resourceError: UInt16 = 506
    public static let notImplemented: UInt16 = 540
}
