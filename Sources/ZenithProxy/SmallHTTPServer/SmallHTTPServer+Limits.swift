import NIOCore
import ZenithConfig

extension SmallHTTPServer {
    /// What a client of a small listener may send and how long it may take. The header and
    /// timeout bounds are the main listener's `[limits]` (`header_bytes`, `header_timeout`,
    /// `keepalive_timeout`), as read at start; the body bound is each listener's own, because
    /// what it accepts (a publish batch, nothing at all) has nothing to do with a dashboard upload.
    public struct Limits: Sendable {
        /// Request line plus headers; beyond it 431 and close.
        public var headerBytes: Int
        /// Collected request body; beyond it 413.
        public var bodyBytes: Int
        /// Time a new connection has to send a complete head, and the longest pause in a body.
        public var headerTimeout: TimeAmount
        /// Time a connection may stay idle after an answer before it is closed.
        public var idleTimeout: TimeAmount

        public init(headerBytes: Int, bodyBytes: Int, headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
            self.headerBytes = headerBytes
            self.bodyBytes = bodyBytes
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
        }

        /// The main listener's header and timeout limits, with this listener's body bound.
        public init(_ limits: ZenithConfig.Limits, bodyBytes: Int) {
            self.init(
                headerBytes: limits.headerBytes, bodyBytes: bodyBytes, headerTimeout: TimeAmount(limits.headerTimeout),
                idleTimeout: TimeAmount(limits.keepaliveTimeout)
            )
        }
    }
}
