/// One HTTP/2 stream's flow control, as `HTTP2StreamsHandler` does it for the streams it serves
/// (what NIOHTTP2's child channels did): when the stream stops and starts taking response bytes,
/// and when the client is given window for more of its request body. A value that does no I/O,
/// tested with plain calls (`HTTP2StreamFlowControlTests`).
///
/// - Response: NIOHTTP2 holds the DATA a client has no window for. The stream stops being
///   writable once more than `highWatermark` bytes are held, and is writable again at
///   `lowWatermark`, so a responder that waits for writability holds at most about one body part
///   more than the client's window.
/// - Request: the client may send as much as its stream window. The window is given back as the
///   body is handed on, in steps of at least half the initial window, and not while the stream's
///   reader holds reads back: that is the backpressure on a request body.
struct HTTP2StreamFlowControl: Equatable {
    /// Held bytes above which the stream is not writable (NIOHTTP2's default for child channels).
    static let highWatermark = 8192
    /// Held bytes at or below which the stream is writable again.
    static let lowWatermark = 4096

    /// Response bytes written and not yet sent by NIOHTTP2 (held for want of window).
    private(set) var heldBytes = 0
    private(set) var isWritable = true
    /// Request bytes received and not yet given back as window.
    private(set) var unacknowledgedBytes = 0
    /// The smallest window increment sent: half the stream's initial window.
    let windowUpdateThreshold: Int

    init(initialWindow: Int) {
        self.windowUpdateThreshold = max(1, initialWindow / 2)
    }

    /// `count` response bytes were written to NIOHTTP2.
    mutating func wrote(_ count: Int) {
        self.heldBytes += count
        if self.heldBytes > Self.highWatermark {
            self.isWritable = false
        }
    }

    /// NIOHTTP2 sent `count` of the bytes written.
    mutating func sent(_ count: Int) {
        self.heldBytes -= count
        if self.heldBytes <= Self.lowWatermark {
            self.isWritable = true
        }
    }

    /// `count` flow-controlled request bytes (data and padding) arrived.
    mutating func received(_ count: Int) {
        self.unacknowledgedBytes += count
    }

    /// The reader takes more: the window to give back now, if enough was received to be worth a
    /// WINDOW_UPDATE.
    mutating func windowIncrement() -> Int? {
        guard self.unacknowledgedBytes >= self.windowUpdateThreshold else { return nil }
        defer { self.unacknowledgedBytes = 0 }
        return self.unacknowledgedBytes
    }
}
