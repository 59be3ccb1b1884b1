import NIOCore

/// Flushes the WebSockets written during one run of an event loop's tasks once, after them: a
/// burst of broadcasts then costs each recipient one `writev` instead of one `write` per message.
///
/// The fan-out benchmark showed 78% of the server's time in the kernel with one write per
/// recipient per message; a flush task queued behind the broadcasts already waiting lets those
/// share a syscall, while a lone message is flushed a task later (microseconds). One per event
/// loop (owned by its session registry); confined to it.
final class WebSocketFlushBatch {
    private let eventLoop: EventLoop
    private var pending: [WebSocketTransport] = []
    private var flushScheduled = false

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `webSocket` has written frames that must be flushed soon.
    func add(_ webSocket: WebSocketTransport) {
        if !webSocket.flushPending {
            webSocket.flushPending = true
            self.pending.append(webSocket)
        }
        if !self.flushScheduled {
            self.flushScheduled = true
            self.eventLoop.assumeIsolated().execute { self.flushAll() }
        }
    }

    private func flushAll() {
        self.flushScheduled = false
        let batch = self.pending
        self.pending.removeAll(keepingCapacity: true)
        for webSocket in batch {
            webSocket.flushPending = false
            webSocket.flush()
        }
    }
}
