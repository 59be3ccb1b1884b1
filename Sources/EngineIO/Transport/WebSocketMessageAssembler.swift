import NIOCore
import NIOWebSocket

/// Joins the fragments of a WebSocket message (RFC 6455 §5.4) into one frame, with the limits of
/// NIO's `NIOWebSocketFrameAggregator` and its rules; kept inside `WebSocketTransport` rather than
/// as a handler of its own, which cost every idle WebSocket a handler and a pipeline context.
/// Holds nothing between messages.
struct WebSocketMessageAssembler {
    /// Why a frame cannot be taken: the connection is to be closed.
    enum Failure: Error {
        case continuationWithoutStart
        case newMessageBeforeEnd
        case tooManyFragments
        case tooLarge
    }

    private let maxFragments: Int
    private let maxSize: Int
    private var fragments: [WebSocketFrame] = []
    private var size = 0

    init(maxFragments: Int, maxSize: Int) {
        self.maxFragments = maxFragments
        self.maxSize = maxSize
    }

    /// Takes a text, binary or continuation frame; returns the whole message (unfragmented, or
    /// joined and unmasked) once `frame` ends one.
    mutating func take(_ frame: WebSocketFrame, allocator: ByteBufferAllocator) throws(Failure) -> WebSocketFrame? {
        if frame.opcode != .continuation && frame.fin {
            guard self.fragments.isEmpty else { throw self.fail(.newMessageBeforeEnd) }
            return frame
        }
        if frame.opcode == .continuation && self.fragments.isEmpty {
            throw self.fail(.continuationWithoutStart)
        }
        if frame.opcode != .continuation && !self.fragments.isEmpty {
            throw self.fail(.newMessageBeforeEnd)
        }
        // A non-final fragment promises one more.
        guard self.fragments.count + (frame.fin ? 1 : 2) <= self.maxFragments else {
            throw self.fail(.tooManyFragments)
        }
        self.fragments.append(frame)
        self.size += frame.length
        guard self.size <= self.maxSize else { throw self.fail(.tooLarge) }
        guard frame.fin else { return nil }
        var data = allocator.buffer(capacity: self.size)
        for fragment in self.fragments {
            var unmasked = fragment.unmaskedData
            data.writeBuffer(&unmasked)
        }
        let message = WebSocketFrame(fin: true, opcode: self.fragments[0].opcode, data: data)
        self.fragments = []
        self.size = 0
        return message
    }

    /// Lets go of the fragments taken so far and returns `failure`.
    private mutating func fail(_ failure: Failure) -> Failure {
        self.fragments = []
        self.size = 0
        return failure
    }
}
