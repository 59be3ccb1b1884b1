import NIOCore

/// What a session loop wrote during one run of its tasks to WebSockets whose channels live on one
/// other event loop (sessions upgraded from polling: the WebSocket connection arrives on any loop),
/// carried there in one task when the run ends, instead of a task per frame. A broadcast's shared
/// WebSocket bytes reach these recipients as they reach the others: one pipeline write each, and
/// one flush per recipient per carried batch.
///
/// The writes and closes of one WebSocket keep their order (a close packet is written before its
/// close). Filled on the session loop; handed over whole, then run on `channelLoop` only.
final class WebSocketCarriedWrites: @unchecked Sendable {
    enum Operation {
        case write(WebSocketTransport, ByteBuffer)
        case close(WebSocketTransport)
    }

    let channelLoop: EventLoop
    private var operations: [Operation] = []

    init(channelLoop: EventLoop) {
        self.channelLoop = channelLoop
    }

    var isEmpty: Bool { self.operations.isEmpty }

    func append(_ operation: Operation) {
        self.operations.append(operation)
    }

    /// Hands what was gathered to the channels' loop; this object starts empty again.
    func send() {
        let carried = WebSocketCarriedWrites(channelLoop: self.channelLoop)
        swap(&carried.operations, &self.operations)
        self.operations.reserveCapacity(carried.operations.count)
        self.channelLoop.execute { carried.run() }
    }

    /// On the channels' loop: every write, then one flush per WebSocket written to.
    private func run() {
        var written: [WebSocketTransport] = []
        for operation in self.operations {
            switch operation {
            case .write(let webSocket, let bytes):
                if webSocket.writeOnChannelLoop(bytes) { written.append(webSocket) }
            case .close(let webSocket):
                webSocket.flushOnChannelLoop()
                webSocket.closeOnChannelLoop()
            }
        }
        for webSocket in written {
            webSocket.flushOnChannelLoop()
        }
    }
}
