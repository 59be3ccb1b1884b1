#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Publishes `rate` messages per second for `duration` seconds, one `POST /publish` per message
/// over a few keep-alive HTTP/1.1 connections (a new request goes out on a connection as soon as
/// its previous answer is in). The data carries the send time `t` (CLOCK_REALTIME µs), the step
/// `s` and the sequence number `i`.
final class Publisher {
    let loop: EventLoop
    let rate: Double
    let planned: Int
    let step: Int
    let room: String
    let event: String
    let hostHeader: String
    let token: String
    let padding: String
    var connections: [PublishConnection] = []
    var idle: [PublishConnection] = []
    var startMicros: Int64 = 0
    var sent = 0
    var answered = 0
    var accepted = 0
    var errors = 0
    var recipients = 0
    var recipientsMin = Int.max
    var recipientsMax = 0
    var lag = Histogram()        // send time - scheduled time
    var response = Histogram()   // answer time - send time
    var lastSendMicros: Int64 = 0
    var lastAnswerMicros: Int64 = 0
    var statusCounts: [String: Int] = [:]
    let finished: EventLoopPromise<Void>

    init(loop: EventLoop, rate: Double, planned: Int, step: Int, room: String, event: String, hostHeader: String, token: String, padding: Int) {
        self.loop = loop
        self.rate = rate
        self.planned = planned
        self.step = step
        self.room = room
        self.event = event
        self.hostHeader = hostHeader
        self.token = token
        self.padding = padding > 0 ? ",\"pad\":\"" + String(repeating: "x", count: padding) + "\"" : ""
        self.finished = loop.makePromise()
    }

    var windowMicros: Int64 = 0
    var closed = false   // the sending window is over (or everything was sent)

    func scheduled(_ i: Int) -> Int64 { startMicros + Int64(Double(i) / rate * 1e6) }

    /// Sends every message that is due, as long as a connection is free.
    func pump() {
        let now = nowMicros()
        // Nothing is sent after the window: a server that answers too slowly gets fewer messages
        // (sent < planned) instead of stretching the step.
        if !closed && (sent == planned || now >= startMicros + windowMicros) { closed = true }
        while !closed, sent < planned, scheduled(sent) <= now, let conn = idle.popLast() {
            let t = nowMicros()
            lag.record(t - scheduled(sent))
            let body = "{\"rooms\":[\"\(room)\"],\"event\":\"\(event)\",\"data\":{\"t\":\(t),\"s\":\(step),\"i\":\(sent)\(padding)}}"
            let req = "POST /publish HTTP/1.1\r\nHost: \(hostHeader)\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            conn.send(req, at: t)
            sent += 1
            lastSendMicros = t
        }
        if closed && answered == sent { finished.succeed(()) }
    }

    func answered(_ conn: PublishConnection, status: Int, body: String, sentAt: Int64) {
        let now = nowMicros()
        answered += 1
        lastAnswerMicros = now
        response.record(now - sentAt)
        statusCounts[String(status), default: 0] += 1
        if status == 202 {
            accepted += 1
            if let n = intFieldString(body, "\"recipients\"") {
                recipients += n
                recipientsMin = min(recipientsMin, n)
                recipientsMax = max(recipientsMax, n)
            }
        } else {
            errors += 1
        }
        idle.append(conn)
        pump()
    }

    func lost(_ conn: PublishConnection, inFlight: Bool) {
        if inFlight { answered += 1; errors += 1; statusCounts["closed", default: 0] += 1 }
        idle.removeAll { $0 === conn }
        pump()
    }
}

func intFieldString(_ s: String, _ key: StaticString) -> Int? {
    var s = s
    return s.withUTF8 { p in intField(UnsafeRawBufferPointer(p), key).map(Int.init) }
}

final class PublishConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    unowned let publisher: Publisher
    var context: ChannelHandlerContext?
    var buffer: ByteBuffer?
    var sentAt: Int64 = 0
    var inFlight = false

    init(publisher: Publisher) { self.publisher = publisher }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ request: String, at t: Int64) {
        guard let context else { return }
        sentAt = t
        inFlight = true
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
        while let answer = takeHTTPResponse(from: &buffer) {
            inFlight = false
            publisher.answered(self, status: answer.status, body: answer.body, sentAt: sentAt)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        publisher.lost(self, inFlight: inFlight)
        inFlight = false
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

extension String {
    func trimmingCharacters(in _: CharacterSetStub) -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
extension Substring {
    func trimmingCharacters(in x: CharacterSetStub) -> String { String(self).trimmingCharacters(in: x) }
}
enum CharacterSetStub { case whitespaces }

func runPublisher(_ o: Options) {
    let host = o.string("host", "127.0.0.1")
    let port = o.int("port")
    let rate = o.double("rate")
    let duration = o.double("duration", 5)
    let step = o.int("step", 0)
    let conns = o.int("conns", 8)
    let room = o.string("room", "bench")
    let event = o.string("event", "tick")
    let padding = o.int("pad", 0)
    let tokenFile = o.string("token-file", "")
    let token = tokenFile.isEmpty ? o.string("token", "bench") : (readFile(tokenFile) ?? "").trimmingCharacters(in: .whitespaces).replacing("\n", with: "")
    let planned = max(1, Int((rate * duration).rounded()))

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let cpuStart = cpuSeconds()
    let publisher = Publisher(loop: loop, rate: rate, planned: planned, step: step, room: room, event: event,
                              hostHeader: "\(host):\(port)", token: token, padding: padding)
    let connected = (0..<conns).map { _ in
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                let c = PublishConnection(publisher: publisher)
                return ch.pipeline.addHandler(c).map { loop.execute { publisher.connections.append(c); publisher.idle.append(c) } }
            }
            .connect(host: host, port: port)
    }
    do {
        _ = try EventLoopFuture<Channel>.whenAllSucceed(connected, on: loop).wait()
    } catch {
        fail("publisher: cannot connect to \(host):\(port): \(error)")
    }
    let timeout = duration + 30
    try! loop.submit {
        publisher.startMicros = nowMicros() + 20_000
        publisher.windowMicros = Int64(duration * 1e6)
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(20), delay: .microseconds(500)) { task in
            publisher.pump()
            if publisher.closed { task.cancel() }
        }
        loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { publisher.finished.succeed(()) }
    }.wait()
    try? publisher.finished.futureResult.wait()
    let report: String = try! loop.submit {
        let cpu = cpuSeconds()
        let p = publisher
        let window = duration
        let statuses = p.statusCounts.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        var r = "{\"step\":\(step),\"rate\":\(rate),\"duration\":\(duration),\"conns\":\(conns),\"planned\":\(p.planned),\"sent\":\(p.sent),"
        r += "\"answered\":\(p.answered),\"accepted\":\(p.accepted),\"errors\":\(p.errors),\"statuses\":{\(statuses)},"
        r += "\"recipients\":\(p.recipients),\"recipients_min\":\(p.recipientsMin == .max ? 0 : p.recipientsMin),\"recipients_max\":\(p.recipientsMax),"
        r += "\"start_us\":\(p.startMicros),\"last_send_us\":\(p.lastSendMicros),\"last_answer_us\":\(p.lastAnswerMicros),"
        let achieved = Double(p.sent) / window
        r += "\"achieved_rate\":\(achieved),"
        r += "\"lag_p50_us\":\(p.lag.percentile(50)),\"lag_p99_us\":\(p.lag.percentile(99)),\"lag_max_us\":\(p.lag.maxValue),"
        r += "\"answer_p50_us\":\(p.response.percentile(50)),\"answer_p99_us\":\(p.response.percentile(99)),\"answer_max_us\":\(p.response.maxValue),"
        let used = cpu.user + cpu.system - cpuStart.user - cpuStart.system
        r += "\"cpu_s\":\(used)}"
        return r
    }.wait()
    FileHandle.standardOutput.write(report + "\n")
    exit(0)
}
