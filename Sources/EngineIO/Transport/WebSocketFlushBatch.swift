import NIOCore

/// Flushes the WebSockets written during one run of an event loop's tasks once, after them: a
/// burst of broadcasts then costs each recipient one `writev` instead of one `write` per message.
/// What was written to WebSockets on other loops goes there at the same moment, in one task per
/// loop (`WebSocketCarriedWrites`).
///
/// The fan-out benchmark showed 78% of the server's time in the kernel with one write per
/// recipient per message; a flush task queued behind the broadcasts already waiting lets those
/// share a syscall, while a lone message is flushed a task later (microseconds). One per event
/// loop (owned by its session registry); confined to it.
final class WebSocketFlushBatch {
    private let eventLoop: EventLoop
    private var pending: [WebSocketTransport] = []
    /// The previous run's `pending`, emptied, swapped in so that no run allocates an array.
    private var flushing: [WebSocketTransport] = []
    /// One per other loop written to so far; kept (empty) between runs.
    private var carried: [WebSocketCarriedWrites] = []
    private var flushScheduled = false

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `webSocket` (on this loop) has written frames that must be flushed soon.
    func add(_ webSocket: WebSocketTransport) {
        if !webSocket.flushPending {
            webSocket.flushPending = true
            self.pending.append(webSocket)
        }
        self.scheduleFlush()
    }

    /// `operation` is for a WebSocket whose channel is on `channelLoop`, another loop: it is
    /// carried there at the end of this run, with the others for that loop, and flushed there.
    func carry(_ operation: WebSocketCarriedWrites.Operation, to channelLoop: EventLoop) {
        let writes: WebSocketCarriedWrites
        if let found = self.carried.first(where: { $0.channelLoop === channelLoop }) {
            writes = found
        } else {
            writes = WebSocketCarriedWrites(channelLoop: channelLoop)
            self.carried.append(writes)
        }
        writes.append(operation)
        self.scheduleFlush()
    }

    private func scheduleFlush() {
        if !self.flushScheduled {
            self.flushScheduled = true
            self.eventLoop.assumeIsolated().execute { self.flushAll() }
        }
    }

    private func flushAll() {
        self.flushScheduled = false
        for writes in self.carried where !writes.isEmpty {
            writes.send()
        }
        swap(&self.pending, &self.flushing)
        for webSocket in self.flushing {
            webSocket.flushPending = false
            webSocket.flush()
        }
        self.flushing.removeAll(keepingCapacity: true)
    }
}
