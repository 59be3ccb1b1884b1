import NIOCore
import NIOPosix

/// `loadgen floor`: the cheapest fan-out server the load generator can be pointed at, to measure
/// the floor of the fan-out benchmark on this machine: what publish → receive costs with a server
/// that does nothing but write. One event loop; it speaks just enough Engine.IO / Socket.IO over
/// WebSocket for `loadgen sub` (the open packet, the CONNECT answer, the subscription ack; no
/// pings, no handshake checks) and takes `POST /publish` on another port: the tick's `data` is
/// wrapped in `42["tick",…]` as one WebSocket frame, written and flushed to every subscriber in
/// turn, then answered 202 with the recipients. What remains of the latency is the kernel's
/// loopback sends and the load generator's reads, which no server can avoid.
///
/// `GET /stats?step=K` on the publish port answers, for the ticks of step K, how long the server
/// took from the tick's `t` to reading its POST (the publish path) and to the last recipient's
/// flush (the fan-out): `{"publishes":N,"read_p50_us":…,"read_p99_us":…,"fanout_p50_us":…,"fanout_p99_us":…}`.
func runFloorServer(_ o: Options) {
    let port = o.int("port")
    let publishPort = o.int("pub-port")
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let room = FloorRoom()
    let subscribers = ServerBootstrap(group: loop)
        .serverChannelOption(ChannelOptions.backlog, value: 4096)
        .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { ch in ch.pipeline.addHandler(FloorSubscriber(room: room)) }
    let publishers = ServerBootstrap(group: loop)
        .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { ch in ch.pipeline.addHandler(FloorPublisher(room: room)) }
    do {
        _ = try subscribers.bind(host: "127.0.0.1", port: port).wait()
        _ = try publishers.bind(host: "127.0.0.1", port: publishPort).wait()
    } catch {
        fail("floor: cannot listen: \(error)")
    }
    FileHandle.standardOutput.write("LISTENING \(port) \(publishPort)\n")
    while true { sleep(3600) }
}

/// The subscribed channels; confined to the one loop.
final class FloorRoom: @unchecked Sendable {
    var members: [ObjectIdentifier: Channel] = [:]
    /// Per step: tick's `t` → POST read, and POST read → last flush.
    var reads: [Int: Histogram] = [:]
    var fanouts: [Int: Histogram] = [:]
}

/// One subscriber's connection: answers the upgrade, then the client's `40` and subscription.
final class FloorSubscriber: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let room: FloorRoom
    var pending: ByteBuffer?
    var upgraded = false

    init(room: FloorRoom) { self.room = room }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        if !upgraded {
            guard let end = pending!.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return }
            pending!.moveReaderIndex(to: end.upperBound)
            upgraded = true
            var answer = context.channel.allocator.buffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
            answer.writeFloorFrame(#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
            context.writeAndFlush(NIOAny(answer), promise: nil)
        }
        while let text = pending!.readMaskedFrameText() {
            var answer = context.channel.allocator.buffer(capacity: 32)
            if text == "40" {
                answer.writeFloorFrame(#"40{"sid":"floor"}"#)
            } else if text.hasPrefix("42") {
                room.members[ObjectIdentifier(context.channel)] = context.channel
                answer.writeFloorFrame(#"430[{"ok":true}]"#)
            } else {
                continue
            }
            context.writeAndFlush(NIOAny(answer), promise: nil)
        }
        if pending!.readableBytes == 0 { pending = nil }
    }

    func channelInactive(context: ChannelHandlerContext) {
        room.members[ObjectIdentifier(context.channel)] = nil
    }
}

/// One publisher connection: `POST /publish` (Content-Length bodies) fanned out to the room.
final class FloorPublisher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let room: FloorRoom
    var pending: ByteBuffer?

    init(room: FloorRoom) { self.room = room }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        while let (head, body) = takeHTTPRequest(from: &pending) {
            if head.hasPrefix("GET /stats?step="), let step = Int(head.dropFirst(16).prefix(while: { $0.isNumber })) {
                answer(context, status: "200 OK", json: stats(step: step))
                continue
            }
            // {"rooms":[…],"event":"tick","data":{…}} → 42["tick",{…}]
            let read = nowMicros()
            guard let data = body.firstRange(of: "\"data\":") else { continue }
            let payload = "42[\"tick\"," + body[data.upperBound...].dropLast() + "]"
            var frame = context.channel.allocator.buffer(capacity: payload.utf8.count + 4)
            frame.writeFloorFrame(payload)
            for member in room.members.values {
                member.writeAndFlush(frame, promise: nil)
            }
            if let t = intFieldString(body, "\"t\""), let step = intFieldString(body, "\"s\"") {
                room.reads[step, default: Histogram()].record(read - Int64(t))
                room.fanouts[step, default: Histogram()].record(nowMicros() - read)
            }
            answer(context, status: "202 Accepted", json: "{\"recipients\":\(room.members.count)}")
        }
    }

    func stats(step: Int) -> String {
        let reads = room.reads[step] ?? Histogram(), fanouts = room.fanouts[step] ?? Histogram()
        return "{\"publishes\":\(reads.total),\"read_p50_us\":\(reads.percentile(50)),\"read_p99_us\":\(reads.percentile(99)),"
            + "\"fanout_p50_us\":\(fanouts.percentile(50)),\"fanout_p99_us\":\(fanouts.percentile(99)),\"fanout_max_us\":\(fanouts.maxValue)}"
    }

    func answer(_ context: ChannelHandlerContext, status: String, json: String) {
        let answer = "HTTP/1.1 \(status)\r\ncontent-type: application/json\r\ncontent-length: \(json.utf8.count)\r\n\r\n\(json)"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: answer)), promise: nil)
    }
}

/// The head and body of one complete HTTP/1.1 request (Content-Length framing) off the front of
/// `buffer`.
func takeHTTPRequest(from buffer: inout ByteBuffer?) -> (head: String, body: String)? {
    guard var buf = buffer, let end = buf.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return nil }
    let headLen = end.upperBound - buf.readerIndex
    let head = buf.getString(at: buf.readerIndex, length: headLen) ?? ""
    let lowercased = head.lowercased()
    var length = 0
    if let field = lowercased.firstRange(of: "content-length:") {
        length = Int(lowercased[field.upperBound...].drop(while: { $0 == " " }).prefix(while: { $0.isNumber })) ?? 0
    }
    guard buf.readableBytes >= headLen + length else { return nil }
    buf.moveReaderIndex(forwardBy: headLen)
    let body = buf.readString(length: length) ?? ""
    buffer = buf.readableBytes == 0 ? nil : buf
    return (head, body)
}

extension ByteBuffer {
    /// An unmasked final text frame (a server's).
    mutating func writeFloorFrame(_ text: String) {
        let count = text.utf8.count
        writeInteger(UInt8(0x81))
        if count < 126 {
            writeInteger(UInt8(count))
        } else {
            writeInteger(UInt8(126))
            writeInteger(UInt16(count))
        }
        writeString(text)
    }

    /// The text of the next whole masked client frame (short frames only, as the loadgen sends).
    mutating func readMaskedFrameText() -> String? {
        guard readableBytes >= 6, let b1 = getInteger(at: readerIndex + 1, as: UInt8.self) else { return nil }
        let length = Int(b1 & 0x7f)
        guard length < 126, readableBytes >= 6 + length, let key = getBytes(at: readerIndex + 2, length: 4),
            var payload = getBytes(at: readerIndex + 6, length: length)
        else { return nil }
        for i in payload.indices { payload[i] ^= key[i & 3] }
        moveReaderIndex(forwardBy: 6 + length)
        return String(decoding: payload, as: UTF8.self)
    }
}
