#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Per-step counters of one event loop (only touched on that loop).
final class StepStats {
    var received = 0
    var firstMicros: Int64 = .max
    var lastMicros: Int64 = 0
    var histogram = Histogram()
}

/// Counters of one event loop; only touched on that loop.
final class LoopStats {
    var ready = 0
    var failed = 0
    var disconnected = 0       // closed after being ready
    var otherMessages = 0
    var pings = 0
    var malformedTicks = 0
    var steps: [Int: StepStats] = [:]
    var failures: [String: Int] = [:]

    @inline(__always)
    func record(step: Int, latency: Int64, now: Int64) {
        let s: StepStats
        if let found = steps[step] { s = found } else { s = StepStats(); steps[step] = s }
        s.received += 1
        if now < s.firstMicros { s.firstMicros = now }
        if now > s.lastMicros { s.lastMicros = now }
        s.histogram.record(latency)
    }

    func noteFailure(_ why: String) { failures[why, default: 0] += 1 }
}

/// Shared ramp bookkeeping (how many connections are still in their handshake).
final class Ramp: @unchecked Sendable {
    let lock = NIOLock()
    var inflight = 0
    var settled = 0   // ready or failed
    func done() { lock.withLock { inflight -= 1; settled += 1 } }
}

/// One Socket.IO client over a raw WebSocket: hand-written HTTP upgrade and frame parsing, so
/// that the generator spends as little CPU per message as possible.
final class SocketIOClient: SubscriberClient, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State { case http, eioOpen, probing, sioConnect, subscribing, ready, closed }

    var state = State.http
    var pending: ByteBuffer? = nil
    /// The sid of a polling session this WebSocket upgrades (`UpgradingPollingClient`); nil for a
    /// direct WebSocket handshake.
    var upgradeSid: String? = nil

    func channelActive(context: ChannelHandlerContext) {
        let sidQuery = upgradeSid.map { "&sid=\($0)" } ?? ""
        let req = "GET \(path)?EIO=4&transport=websocket\(sidQuery) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: req)), promise: nil)
    }

    override var stateDescription: String { "\(state)" }
    override var isReady: Bool { state == .ready }
    override func closed() { state = .closed }

    func send(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(NIOAny(maskedTextFrame(text, allocator: context.channel.allocator)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if pending == nil {
            pending = incoming
        } else {
            pending!.writeBuffer(&incoming)
        }
        if state == .http {
            guard let view = pending!.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else {
                if pending!.readableBytes > 16384 { settle(ok: false, "huge http answer"); context.close(promise: nil) }
                return
            }
            let headLen = view.upperBound - pending!.readerIndex
            let head = pending!.readString(length: headLen) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                settle(ok: false, "upgrade refused: \(head.prefix(while: { $0 != "\r" }))")
                context.close(promise: nil)
                return
            }
            if upgradeSid != nil {
                state = .probing
                send(context, "2probe")
            } else {
                state = .eioOpen
            }
        }
        parseFrames(context)
    }

    func parseFrames(_ context: ChannelHandlerContext) {
        guard var buf = pending else { return }
        pending = nil   // keep `buf` uniquely referenced: no copy-on-write below
        let now = nowMicros()
        while buf.readableBytes >= 2 {
            let start = buf.readerIndex
            let b0 = buf.getInteger(at: start, as: UInt8.self)!
            let b1 = buf.getInteger(at: start + 1, as: UInt8.self)!
            var len = Int(b1 & 0x7f)
            var hdr = 2
            if len == 126 {
                guard buf.readableBytes >= 4 else { break }
                len = Int(buf.getInteger(at: start + 2, as: UInt16.self)!)
                hdr = 4
            } else if len == 127 {
                guard buf.readableBytes >= 10 else { break }
                len = Int(buf.getInteger(at: start + 2, as: UInt64.self)!)
                hdr = 10
            }
            if b1 & 0x80 != 0 { hdr += 4 }   // servers must not mask; tolerate it anyway (unmasked read below is then wrong)
            guard buf.readableBytes >= hdr + len else { break }
            let opcode = b0 & 0x0f
            switch opcode {
            case 0x1:
                buf.withUnsafeReadableBytes { raw in
                    handleText(context, UnsafeRawBufferPointer(rebasing: raw[hdr..<(hdr + len)]), now: now)
                }
            case 0x9:
                let payload = buf.getBytes(at: start + hdr, length: len) ?? []
                context.writeAndFlush(NIOAny(maskedControlFrame(opcode: 0xA, payload: payload, allocator: context.channel.allocator)), promise: nil)
            case 0x8:
                if state != .ready { settle(ok: false, "websocket close in state \(state)") }
                context.close(promise: nil)
            default:
                stats.otherMessages += 1
            }
            buf.moveReaderIndex(forwardBy: hdr + len)
            if state == .closed { break }
        }
        if buf.readableBytes == 0 {
            pending = nil   // the common case: every byte used, the buffer goes back to NIO
        } else {
            if buf.readerIndex > 65536 { buf.discardReadBytes() }
            pending = buf
        }
    }

    @inline(__always)
    func handleText(_ context: ChannelHandlerContext, _ p: UnsafeRawBufferPointer, now: Int64) {
        guard p.count >= 1 else { return }
        let c0 = p[0]
        if c0 == UInt8(ascii: "4"), p.count >= 2 {
            let c1 = p[1]
            if c1 == UInt8(ascii: "2") {
                // 42["tick",{...}]
                if state == .ready, p.count > 9, p[4] == UInt8(ascii: "t"), p[5] == UInt8(ascii: "i") {
                    if let t = intField(p, "\"t\""), let s = intField(p, "\"s\"") {
                        stats.record(step: Int(s), latency: now - t, now: now)
                    } else {
                        stats.malformedTicks += 1
                    }
                } else {
                    stats.otherMessages += 1
                }
                return
            }
            switch (state, c1) {
            case (.sioConnect, UInt8(ascii: "0")):
                state = .subscribing
                send(context, "420[\"subscribe\",\"\(room)\"]")
            case (.subscribing, UInt8(ascii: "3")):
                // 430[{"ok":true}]
                let ok = String(decoding: p, as: UTF8.self).replacing(" ", with: "").contains("\"ok\":true")
                if ok { state = .ready; settle(ok: true) } else {
                    settle(ok: false, "subscribe refused: \(String(decoding: p, as: UTF8.self).prefix(80))")
                    context.close(promise: nil)
                }
            case (_, UInt8(ascii: "4")):
                settle(ok: false, "CONNECT_ERROR \(String(decoding: p, as: UTF8.self).prefix(80))")
                context.close(promise: nil)
            case (_, UInt8(ascii: "1")):
                stats.otherMessages += 1   // server-side DISCONNECT of the namespace
                context.close(promise: nil)
            default:
                stats.otherMessages += 1
            }
            return
        }
        if c0 == UInt8(ascii: "2"), p.count == 1 {
            stats.pings += 1
            send(context, "3")
            return
        }
        if state == .probing {
            guard p.elementsEqual("3probe".utf8) else {
                settle(ok: false, "probe answered with \(String(decoding: p, as: UTF8.self).prefix(40))")
                context.close(promise: nil)
                return
            }
            send(context, "5")
            state = .sioConnect
            send(context, "40")
            return
        }
        if c0 == UInt8(ascii: "0"), state == .eioOpen {
            state = .sioConnect
            send(context, "40")
            return
        }
        if c0 == UInt8(ascii: "1") {   // engine.io close
            context.close(promise: nil)
            return
        }
        stats.otherMessages += 1
    }
}

func parseSources(_ spec: String) -> [String] {
    // "127.0.0.1,127.0.0.2" or "127.0.3.1-127.0.3.8"
    var out: [String] = []
    for part in spec.split(separator: ",") {
        let range = part.split(separator: "-")
        if range.count == 2 {
            let a = range[0].split(separator: "."), b = range[1].split(separator: ".")
            guard a.count == 4, b.count == 4, a[0..<3] == b[0..<3], let lo = Int(a[3]), let hi = Int(b[3]), lo <= hi else {
                fail("bad source range \(part)")
            }
            for x in lo...hi { out.append(a[0..<3].joined(separator: ".") + ".\(x)") }
        } else {
            out.append(String(part))
        }
    }
    return out
}

func runSubscribers(_ o: Options) {
    let host = o.string("host", "127.0.0.1")
    let port = o.int("port")
    let path = o.string("path", "/socket.io/")
    let room = o.string("room", "bench")
    let clients = o.int("clients")
    let rampRate = o.double("ramp", 1000)          // new connections per second
    let maxInflight = o.int("inflight", 64)        // handshakes in progress at most
    let sources = parseSources(o.string("sources", "127.0.0.1"))
    let threads = o.int("threads", 1)
    let statusPath = o.string("status", "")
    let stopPath = o.string("stop", "")
    let outPath = o.string("out", "")
    let maxSeconds = o.double("max-seconds", 600)
    let connectDeadline = o.double("connect-seconds", 120)
    let transport = o.string("transport", "websocket")
    guard ["websocket", "polling", "upgrade"].contains(transport) else { fail("--transport: websocket, polling or upgrade") }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    var loops: [EventLoop] = []
    for loop in group.makeIterator() { loops.append(loop) }
    let stats = loops.map { _ in LoopStats() }
    let ramp = Ramp()
    let started = nowMicros()
    let cpuStart = cpuSeconds()
    let control = loops[0]
    let done = control.makePromise(of: Void.self)

    // --- ramp: launch connections at `rampRate`, with at most `maxInflight` handshakes at once
    var launched = 0
    var readyAnnounced = false
    var connectedAt: Int64 = 0
    let hostHeader = "\(host):\(port)"
    func launch(_ i: Int) {
        let loop = loops[i % loops.count]
        let st = stats[i % loops.count]
        let src = sources[i % sources.count]
        func connect(_ makeHandler: @escaping () -> ChannelHandler) {
            ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .bind(to: try! SocketAddress(ipAddress: src, port: 0))
                .channelInitializer { ch in ch.pipeline.addHandler(makeHandler()) }
                .connect(host: host, port: port).whenFailure { err in
                    loop.execute {
                        st.failed += 1
                        st.noteFailure("connect: \(err)")
                        ramp.done()
                    }
                }
        }
        switch transport {
        case "polling":
            connect { PollingSocketIOClient(stats: st, ramp: ramp, host: hostHeader, path: path, room: room) }
        case "upgrade":
            connect {
                UpgradingPollingClient(stats: st, ramp: ramp, host: hostHeader, path: path, room: room) { sid in
                    connect {
                        let webSocket = SocketIOClient(stats: st, ramp: ramp, host: hostHeader, path: path, room: room)
                        webSocket.upgradeSid = sid
                        return webSocket
                    }
                }
            }
        default:
            connect { SocketIOClient(stats: st, ramp: ramp, host: hostHeader, path: path, room: room) }
        }
    }
    let rampTask = control.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(2)) { task in
        let elapsed = Double(nowMicros() - started) / 1e6
        let due = min(clients, Int(elapsed * rampRate) + 1)
        while launched < due {
            let canStart: Bool = ramp.lock.withLock {
                if ramp.inflight < maxInflight { ramp.inflight += 1; return true }
                return false
            }
            if !canStart { break }
            launch(launched)
            launched += 1
        }
        let settled = ramp.lock.withLock { ramp.settled }
        if settled >= clients || elapsed > connectDeadline {
            task.cancel()
            connectedAt = nowMicros()
            readyAnnounced = true
        }
    }
    _ = rampTask

    // --- snapshot of all loops' counters
    struct Snapshot {
        var ready = 0, failed = 0, disconnected = 0, other = 0, pings = 0, malformed = 0
        var steps: [Int: (received: Int, first: Int64, last: Int64, hist: Histogram)] = [:]
        var failures: [String: Int] = [:]
    }
    func snapshot(withHistograms: Bool) -> EventLoopFuture<Snapshot> {
        let parts = zip(loops, stats).map { loop, st in
            loop.submit { () -> Snapshot in
                var s = Snapshot(ready: st.ready, failed: st.failed, disconnected: st.disconnected, other: st.otherMessages, pings: st.pings, malformed: st.malformedTicks)
                for (k, v) in st.steps { s.steps[k] = (v.received, v.firstMicros, v.lastMicros, withHistograms ? v.histogram : Histogram()) }
                s.failures = st.failures
                return s
            }
        }
        return EventLoopFuture.whenAllSucceed(parts, on: control).map { all in
            var t = Snapshot()
            for s in all {
                t.ready += s.ready; t.failed += s.failed; t.disconnected += s.disconnected
                t.other += s.other; t.pings += s.pings; t.malformed += s.malformed
                for (k, v) in s.failures { t.failures[k, default: 0] += v }
                for (k, v) in s.steps {
                    if var e = t.steps[k] {
                        e.received += v.received; e.first = min(e.first, v.first); e.last = max(e.last, v.last)
                        e.hist.merge(v.hist)
                        t.steps[k] = e
                    } else { t.steps[k] = v }
                }
            }
            return t
        }
    }
    func statusJSON(_ s: Snapshot, final: Bool) -> String {
        let cpu = cpuSeconds()
        var steps: [String] = []
        for k in s.steps.keys.sorted() {
            let v = s.steps[k]!
            var e = "\"\(k)\":{\"received\":\(v.received),\"first_us\":\(v.first),\"last_us\":\(v.last)"
            if final {
                e += ",\"p50_us\":\(v.hist.percentile(50)),\"p99_us\":\(v.hist.percentile(99)),\"max_us\":\(v.hist.maxValue),\"hist\":\(v.hist.json)"
            }
            steps.append(e + "}")
        }
        let failures = s.failures.map { kv -> String in
            let key = kv.key.replacing("\\", with: "/").replacing("\"", with: "'")
            return "\"\(key)\":\(kv.value)"
        }
        var r = "{\"clients\":\(clients),\"ready\":\(s.ready),\"failed\":\(s.failed),\"disconnected\":\(s.disconnected),"
        let connectSeconds = readyAnnounced ? Double(connectedAt - started) / 1e6 : -1
        r += "\"ramp_done\":\(readyAnnounced),\"connect_seconds\":\(connectSeconds),"
        r += "\"pings\":\(s.pings),\"other_messages\":\(s.other),\"malformed_ticks\":\(s.malformed),"
        let user = cpu.user - cpuStart.user, sys = cpu.system - cpuStart.system
        r += "\"cpu_user_s\":\(user),\"cpu_sys_s\":\(sys),"
        let wall = Double(nowMicros() - started) / 1e6
        r += "\"wall_s\":\(wall),\"threads\":\(threads),"
        r += "\"failures\":{\(failures.joined(separator: ","))},\"steps\":{\(steps.joined(separator: ","))}}"
        return r
    }

    var printedReady = false
    var finishing = false
    control.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { task in
        if finishing { return }
        let stop = (!stopPath.isEmpty && fileExists(stopPath)) || Double(nowMicros() - started) / 1e6 > maxSeconds
        if stop {
            finishing = true
            task.cancel()
            snapshot(withHistograms: true).whenSuccess { s in
                let json = statusJSON(s, final: true)
                if !outPath.isEmpty { writeFileAtomically(outPath, json + "\n") } else { FileHandle.standardOutput.write(json + "\n") }
                done.succeed(())
            }
            return
        }
        snapshot(withHistograms: false).whenSuccess { s in
            if !statusPath.isEmpty { writeFileAtomically(statusPath, statusJSON(s, final: false) + "\n") }
            if readyAnnounced && !printedReady {
                printedReady = true
                FileHandle.standardOutput.write("READY \(s.ready) FAILED \(s.failed) in \(Double(connectedAt - started) / 1e6) s\n")
            }
        }
    }
    try? done.futureResult.wait()
    // Exiting closes every socket at once; no need to close 10,000 channels one by one.
    exit(0)
}
