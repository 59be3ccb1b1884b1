import NIOCore

/// One Socket.IO client over HTTP long polling, on one keep-alive connection: the handshake GET,
/// `40` and the subscription POSTed, then a GET held open at all times (an idle polling client as
/// a browser keeps one). Pings (`2`) are answered with a POSTed `3`; ticks are recorded as the
/// WebSocket client does. Hand-written HTTP/1.1 (Content-Length answers only, as Zenith and
/// python-engineio send), so that the generator spends little CPU per client.
final class PollingSocketIOClient: SubscriberClient, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State { case handshake, sioConnect, subscribing, ready, closed }

    var state = State.handshake
    var sid = ""
    var pending: ByteBuffer? = nil
    /// POSTs to send once the current exchange is answered (the connection carries one at a time).
    var postQueue: [String] = []

    func channelActive(context: ChannelHandlerContext) {
        send(context, "GET \(path)?EIO=4&transport=polling HTTP/1.1\r\nHost: \(host)\r\n\r\n")
    }

    override var stateDescription: String { "\(state)" }
    override var isReady: Bool { state == .ready }
    override func closed() { state = .closed }

    func send(_ context: ChannelHandlerContext, _ request: String) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func poll(_ context: ChannelHandlerContext) {
        send(context, "GET \(path)?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
    }

    func post(_ context: ChannelHandlerContext, _ body: String) {
        send(context, "POST \(path)?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// After each answer: a queued POST if any, else the next GET.
    func next(_ context: ChannelHandlerContext) {
        if state == .closed { return }
        if !postQueue.isEmpty { post(context, postQueue.removeFirst()) } else { poll(context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        while let (status, body) = takeHTTPResponse(from: &pending) {
            guard status == 200 else {
                settle(ok: false, "HTTP \(status) in state \(state): \(body.prefix(60))")
                context.close(promise: nil)
                return
            }
            handleBody(context, body)
            if state == .closed { return }
        }
    }

    func handleBody(_ context: ChannelHandlerContext, _ body: String) {
        let now = nowMicros()
        if body == "ok" {   // a POST's answer
            next(context)
            return
        }
        for packet in body.split(separator: "\u{1e}") {
            handlePacket(context, packet, now: now)
            if state == .closed { return }
        }
        next(context)
    }

    func handlePacket(_ context: ChannelHandlerContext, _ packet: Substring, now: Int64) {
        switch state {
        case .handshake:
            guard packet.hasPrefix("0{"), let range = packet.firstRange(of: "\"sid\":\"") else {
                settle(ok: false, "no open packet: \(packet.prefix(60))")
                context.close(promise: nil)
                state = .closed
                return
            }
            sid = String(packet[range.upperBound...].prefix(while: { $0 != "\"" }))
            state = .sioConnect
            postQueue.append("40")
            return
        case .sioConnect where packet.hasPrefix("40"):
            state = .subscribing
            postQueue.append("420[\"subscribe\",\"\(room)\"]")
            return
        case .subscribing where packet.hasPrefix("43"):
            if packet.replacing(" ", with: "").contains("\"ok\":true") {
                state = .ready
                settle(ok: true)
            } else {
                settle(ok: false, "subscribe refused: \(packet.prefix(80))")
                context.close(promise: nil)
                state = .closed
            }
            return
        default:
            break
        }
        if packet == "2" {
            stats.pings += 1
            postQueue.append("3")
        } else if packet.hasPrefix("42[\"tick\"") {
            var text = String(packet)
            text.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                if let t = intField(raw, "\"t\""), let s = intField(raw, "\"s\"") {
                    stats.record(step: Int(s), latency: now - t, now: now)
                } else {
                    stats.malformedTicks += 1
                }
            }
        } else if packet == "1" {
            context.close(promise: nil)
            state = .closed
        } else if packet != "6" {
            stats.otherMessages += 1
        }
    }
}
