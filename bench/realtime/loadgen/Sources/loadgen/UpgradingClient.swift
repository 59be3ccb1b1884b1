import NIOCore

/// The polling half of a browser-like client, as the official client connects: the handshake
/// over long polling, then a GET held open while a WebSocket for the same sid is probed
/// (`2probe` / `3probe`) and upgraded to (`5`); the Socket.IO CONNECT and the subscription then go
/// over the WebSocket, which `SocketIOClient` (given the sid) carries on. The server answers the
/// held GET when the upgrade ends it; the connection is then left open and idle, as a browser
/// leaves it in its pool. The WebSocket counts as the client (ready, failed, disconnected); this
/// half only counts a failure before the WebSocket is opened.
///
/// Against Zenith the WebSocket lands on any event loop, not necessarily the session's: this is
/// the population whose broadcasts cross event loops.
final class UpgradingPollingClient: SubscriberClient, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Opens the WebSocket for `sid` (on this client's loop and source address).
    private let openWebSocket: (String) -> Void
    private var pending: ByteBuffer? = nil
    private var handedOver = false

    init(stats: LoopStats, ramp: Ramp, host: String, path: String, room: String, openWebSocket: @escaping (String) -> Void) {
        self.openWebSocket = openWebSocket
        super.init(stats: stats, ramp: ramp, host: host, path: path, room: room)
    }

    override var stateDescription: String { handedOver ? "upgrading" : "polling handshake" }

    func channelActive(context: ChannelHandlerContext) {
        send(context, "GET \(path)?EIO=4&transport=polling HTTP/1.1\r\nHost: \(host)\r\n\r\n")
    }

    func send(_ context: ChannelHandlerContext, _ request: String) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        while let (status, body) = takeHTTPResponse(from: &pending) {
            // After the hand-over: the held GET's answer (a noop, or 400 when it came after the
            // upgrade); nothing more is polled.
            guard !handedOver else { continue }
            guard status == 200, body.hasPrefix("0{"), let range = body.firstRange(of: "\"sid\":\"") else {
                settle(ok: false, "polling handshake: HTTP \(status) \(body.prefix(60))")
                context.close(promise: nil)
                return
            }
            let sid = String(body[range.upperBound...].prefix(while: { $0 != "\"" }))
            handedOver = true
            settled = true   // the WebSocket settles the client from here on
            send(context, "GET \(path)?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
            openWebSocket(sid)
        }
    }
}
