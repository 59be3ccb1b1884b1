/// An HTTP/2 connection's inbound window, as `HTTP2StreamsHandler` keeps it: topped up to
/// `target` whenever it falls below half of it. The connection window only bounds what all
/// streams together may have in flight; each stream's own window is what holds back a client
/// whose request body is not being read (`HTTP2StreamFlowControl`).
struct HTTP2ConnectionWindow: Equatable {
    /// What the window is kept at: room for several streams' uploads at once.
    let target: Int

    /// The WINDOW_UPDATE increment for a window now `size` bytes wide, if it is due.
    func increment(forWindow size: Int) -> Int? {
        size < self.target / 2 ? self.target - size : nil
    }
}
