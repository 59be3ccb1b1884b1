import NIOCore

/// What every subscriber client (WebSocket or polling) has: its loop's counters, the ramp it is
/// counted in, where it connects and which room it joins, and whether its handshake has settled.
class SubscriberClient {
    let stats: LoopStats
    let ramp: Ramp
    let host: String
    let path: String
    let room: String
    var settled = false

    init(stats: LoopStats, ramp: Ramp, host: String, path: String, room: String) {
        self.stats = stats
        self.ramp = ramp
        self.host = host
        self.path = path
        self.room = room
    }

    /// The client is ready (connected and subscribed) or has failed; counted once.
    func settle(ok: Bool, _ why: String = "") {
        guard !settled else { return }
        settled = true
        if ok { stats.ready += 1 } else { stats.failed += 1; stats.noteFailure(why) }
        ramp.done()
    }

    /// The client's state, for failure reasons; overridden.
    var stateDescription: String { "" }
    /// Connected and subscribed; overridden.
    var isReady: Bool { false }
    /// The connection is gone; overridden to record it in the client's state.
    func closed() {}

    /// A disconnect once ready, a failure before.
    func channelInactive(context: ChannelHandlerContext) {
        if isReady { stats.disconnected += 1 } else if !settled { settle(ok: false, "closed in state \(stateDescription)") }
        closed()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !settled { settle(ok: false, "error: \(error)") }
        context.close(promise: nil)
    }
}
