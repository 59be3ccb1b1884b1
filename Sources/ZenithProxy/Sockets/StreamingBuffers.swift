import NIOCore

/// Socket settings shared by client and upstream connections, which stream bodies into each other.
enum StreamingBuffers {
    /// A connection counts as "not writable" (and its partner stops reading) above 256 KiB of
    /// unsent bytes, and writable again below 128 KiB. NIO's default (64 KiB high) is smaller than
    /// one typical upload chunk plus its head, so every such request paused and resumed reading
    /// (two epoll_ctl calls and a wakeup) on its way through.
    static let writeWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 128 * 1024, high: 256 * 1024)

    /// Reads per wakeup before pending writes are flushed: NIO's default, 4. NIO also keeps up to
    /// this many read buffers per connection for reuse, for as long as the connection lives, so it
    /// bounds what an idle connection holds after a big upload or download: measured after a
    /// 20 MiB upload, 538 KiB per idle connection with 4, 2 MiB with 16 (1.3 against 1.6 GB/s
    /// through one connection on loopback).
    static let maxMessagesPerRead: UInt = 4

    /// Read buffers grow up to 128 KiB (NIO's default stops at 64 KiB), so that a request head
    /// with a 64 KiB body, a usual upload or form chunk, comes in one read instead of two: one
    /// pass through the HTTP decoder and the handlers less (8% more 64 KiB POSTs per second on
    /// one core). The size adapts to what reads bring, and starts at 512 bytes (NIO's default:
    /// 2 KiB): NIO keeps a connection's read buffer for reuse as long as the connection lives and
    /// never shrinks it, so an idle connection (a WebSocket, a keep-alive connection between
    /// requests) holds the largest buffer its reads ever needed, and at least the first one.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 128 * 1024)
}
