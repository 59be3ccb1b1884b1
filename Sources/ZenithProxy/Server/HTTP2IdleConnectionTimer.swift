import NIOCore
import NIOHTTP2

/// Drains an HTTP/2 client connection (GOAWAY, then close) once it has had no open stream for
/// `[limits] keepalive_timeout`: what `NIOHTTP2ServerConnectionManagementHandler`'s `maxIdleTime`
/// does, without its cost per stream. That one cancels its timer on every new stream, and each
/// cancel searches the event loop's whole timer heap (2.3% of Zenith's CPU time on small HTTP/2
/// GETs); here a stream opening or closing moves a count, and a `LazyDeadline` only stores a time.
/// Confined to the connection's event loop; told of streams by its `StreamDelegate`, which
/// `HTTP2StreamsHandler` calls.
final class HTTP2IdleConnectionTimer {
    private let idleTime: TimeAmount
    private let deadline: LazyDeadline
    private var openStreams = 0

    init(channel: Channel, idleTime: TimeAmount) {
        self.idleTime = idleTime
        // The management handler takes the drain from here, as it does a server drain's.
        let deadline = LazyDeadline(eventLoop: channel.eventLoop) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        self.deadline = deadline
        deadline.arm(idleTime)
        channel.closeFuture.assumeIsolated().whenComplete { _ in deadline.cancel() }
    }

    func streamOpened() {
        self.openStreams += 1
        if self.openStreams == 1 {
            self.deadline.disarm()
        }
    }

    func streamClosed() {
        self.openStreams -= 1
        if self.openStreams == 0 {
            self.deadline.arm(self.idleTime)
        }
    }

    /// The connection's stream delegate: tells the management handler's delegate and this timer.
    struct StreamDelegate: NIOHTTP2StreamDelegate {
        let management: NIOHTTP2ServerConnectionManagementHandler.HTTP2StreamDelegate
        let timer: NIOLoopBound<HTTP2IdleConnectionTimer>

        func streamCreated(_ id: HTTP2StreamID, channel: Channel) {
            self.management.streamCreated(id, channel: channel)
            self.timer.value.streamOpened()
        }

        func streamClosed(_ id: HTTP2StreamID, channel: Channel) {
            self.management.streamClosed(id, channel: channel)
            self.timer.value.streamClosed()
        }
    }

    func streamDelegate(
        forwardingTo management: NIOHTTP2ServerConnectionManagementHandler.HTTP2StreamDelegate, eventLoop: EventLoop
    ) -> StreamDelegate {
        StreamDelegate(management: management, timer: NIOLoopBound(self, eventLoop: eventLoop))
    }
}
