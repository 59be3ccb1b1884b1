import NIOCore
import NIOHTTP1

/// Lets one request at a time through to `DownstreamConnectionHandler`: a request that arrives while
/// the previous response is still being written (HTTP/1.1 pipelining) waits here, and reading from
/// the client stops only then, until that response has ended. A value the handler owns and asks;
/// it does no I/O itself.
///
/// It replaces NIO's `HTTPServerPipelineHandler`, which stops reading at the end of every request
/// and starts again after its response: two `epoll_ctl` calls per request on a keep-alive
/// connection, a third of the proxy's system calls for small requests (measured with strace:
/// read, epoll_ctl, write, read, epoll_ctl, writev). Being part of the handler rather than a
/// handler of its own spares every request part, write and flush a hop through the pipeline (3%
/// of the CPU time of a small proxied GET). Clients that do not pipeline (browsers) never meet it
/// closed. At most `maxWaitingParts` parts may wait (one read can bring many).
struct PipelinedRequestQueue {
    /// What to do with a request part that just arrived.
    enum Arrival {
        /// Handle it now.
        case deliver
        /// It waits behind the open response; stop reading.
        case hold
        /// Too many parts wait: this is not a browser, close the connection.
        case overflow
    }

    /// Request parts (heads, body pieces, ends) that may wait at once.
    static let maxWaitingParts = 256

    /// A request was let through and its response has not ended yet.
    private var responseOpen = false
    /// Parts of requests that came while a response was open, in order. Small at first: most
    /// connections never pipeline, and NIO's default capacity is 16 parts.
    private var waiting = CircularBuffer<HTTPServerRequestPart>(initialCapacity: 2)
    private var releaseScheduled = false

    /// Requests wait: the client must not be read from until they have been handled.
    var holdsReads: Bool { !self.waiting.isEmpty }

    mutating func arrived(_ part: HTTPServerRequestPart) -> Arrival {
        if self.waiting.isEmpty, !(self.responseOpen && part.isHead) {
            self.delivering(part)
            return .deliver
        }
        guard self.waiting.count < Self.maxWaitingParts else { return .overflow }
        self.waiting.append(part)
        return .hold
    }

    /// The response's end was written. True when waiting requests should now be released, which
    /// the caller does on a later event-loop turn (the writer of that end is still on the stack).
    mutating func responseEnded() -> Bool {
        self.responseOpen = false
        guard !self.waiting.isEmpty, !self.releaseScheduled else { return false }
        self.releaseScheduled = true
        return true
    }

    /// Starts the release that `responseEnded` asked for.
    mutating func releaseStarted() {
        self.releaseScheduled = false
    }

    /// The next waiting part that may be handled now, up to the next request that must wait.
    mutating func nextReleased() -> HTTPServerRequestPart? {
        guard let part = self.waiting.first, !(self.responseOpen && part.isHead) else { return nil }
        self.waiting.removeFirst()
        self.delivering(part)
        return part
    }

    private mutating func delivering(_ part: HTTPServerRequestPart) {
        if part.isHead {
            self.responseOpen = true
        }
    }
}

extension HTTPServerRequestPart {
    fileprivate var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
