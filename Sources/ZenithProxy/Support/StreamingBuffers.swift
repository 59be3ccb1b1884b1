import NIOCore

/// Socket settings shared by client and upstream connections, which stream bodies into each other.
enum StreamingBuffers {
    /// A connection counts as "not writable" (and its partner stops reading) above 256 KiB of
    /// unsent bytes, and writable again below 128 KiB. NIO's default (64 KiB high) is smaller than
    /// one typical upload chunk plus its head, so every such request paused and resumed reading
    /// (two epoll_ctl calls and a wakeup) on its way through.
    static let writeWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 128 * 1024, high: 256 * 1024)

    /// Reads per wakeup before pending writes are flushed (NIO's default is 4).
    static let maxMessagesPerRead: UInt = 16
}
