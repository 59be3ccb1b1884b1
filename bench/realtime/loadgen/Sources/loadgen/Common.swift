#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// CLOCK_REALTIME in microseconds: publisher and subscribers (and the Python publisher side, if
/// any) run on the same machine, so their clocks agree.
@inline(__always)
func nowMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

/// CPU time (user, system) of this process in seconds.
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (secs(usage.ru_utime), secs(usage.ru_stime))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(message + "\n")
    exit(2)
}

enum FileHandle {
    case standardError, standardOutput
    func write(_ s: String) {
        var s = s
        let fd: Int32 = self == .standardError ? 2 : 1
        s.withUTF8 { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}

/// Writes `text` to `path` atomically (temporary file + rename).
func writeFileAtomically(_ path: String, _ text: String) {
    let tmp = path + ".tmp"
    guard let f = fopen(tmp, "w") else { return }
    fputs(text, f)
    fclose(f)
    rename(tmp, path)
}

func readFile(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// `--name value` options, in any order.
struct Options {
    var values: [String: String] = [:]
    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { fail("unexpected argument \(a)") }
            guard let v = it.next() else { fail("\(a) needs a value") }
            values[String(a.dropFirst(2))] = v
        }
    }
    func string(_ k: String, _ d: String? = nil) -> String {
        if let v = values[k] { return v }
        if let d { return d }
        fail("--\(k) is required")
    }
    func int(_ k: String, _ d: Int? = nil) -> Int {
        if let v = values[k] { guard let i = Int(v) else { fail("--\(k): not an integer: \(v)") }; return i }
        if let d { return d }
        fail("--\(k) is required")
    }
    func double(_ k: String, _ d: Double? = nil) -> Double {
        if let v = values[k] { guard let x = Double(v) else { fail("--\(k): not a number: \(v)") }; return x }
        if let d { return d }
        fail("--\(k) is required")
    }
}

/// HdrHistogram-style log-linear histogram of microsecond values: exact below 2048 µs, then
/// 1024 sub-buckets per power of two (0.1% resolution).
struct Histogram {
    private(set) var counts: [UInt32] = []
    private(set) var total: Int = 0
    private(set) var maxValue: Int64 = 0

    @inline(__always)
    static func index(_ v: Int64) -> Int {
        if v < 2048 { return Int(max(v, 0)) }
        let e = 63 - v.leadingZeroBitCount   // floor(log2 v) >= 11
        let sub = Int((v >> (e - 10)) & 1023)
        return 2048 + (e - 11) * 1024 + sub
    }

    static func lowerBound(_ i: Int) -> Int64 {
        if i < 2048 { return Int64(i) }
        let e = (i - 2048) / 1024 + 11
        let sub = Int64((i - 2048) % 1024)
        return (1024 + sub) << (e - 10)
    }

    @inline(__always)
    mutating func record(_ v: Int64) {
        let i = Self.index(v)
        if i >= counts.count { counts.append(contentsOf: repeatElement(0, count: i + 1 - counts.count + 1024)) }
        counts[i] &+= 1
        total += 1
        if v > maxValue { maxValue = v }
    }

    mutating func merge(_ other: Histogram) {
        if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
        for (i, c) in other.counts.enumerated() where c != 0 { counts[i] &+= c }
        total += other.total
        maxValue = max(maxValue, other.maxValue)
    }

    func percentile(_ p: Double) -> Int64 {
        guard total > 0 else { return 0 }
        let rank = Int((p / 100 * Double(total)).rounded(.up))
        var seen = 0
        for (i, c) in counts.enumerated() where c != 0 {
            seen += Int(c)
            if seen >= max(rank, 1) { return Self.lowerBound(i) }
        }
        return maxValue
    }

    /// [[lower_bound_us, count], ...] for the non-empty buckets.
    var json: String {
        var parts: [String] = []
        for (i, c) in counts.enumerated() where c != 0 { parts.append("[\(Self.lowerBound(i)),\(c)]") }
        return "[" + parts.joined(separator: ",") + "]"
    }
}

/// Masked client text frame (RFC 6455 §5.2); our frames are all shorter than 126 bytes.
func maskedTextFrame(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
    let payload = Array(text.utf8)
    precondition(payload.count < 126)
    var buf = allocator.buffer(capacity: payload.count + 6)
    buf.writeInteger(UInt8(0x81))
    buf.writeInteger(UInt8(0x80 | payload.count))
    let key: [UInt8] = [UInt8.random(in: 0...255), UInt8.random(in: 0...255), UInt8.random(in: 0...255), UInt8.random(in: 0...255)]
    buf.writeBytes(key)
    for (i, b) in payload.enumerated() { buf.writeInteger(b ^ key[i & 3]) }
    return buf
}

func maskedControlFrame(opcode: UInt8, payload: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
    var buf = allocator.buffer(capacity: payload.count + 6)
    buf.writeInteger(UInt8(0x80 | opcode))
    buf.writeInteger(UInt8(0x80 | min(payload.count, 125)))
    let key: [UInt8] = [1, 2, 3, 4]
    buf.writeBytes(key)
    for (i, b) in payload.prefix(125).enumerated() { buf.writeInteger(b ^ key[i & 3]) }
    return buf
}

/// Finds `"key":` in `p[0..<n]` and parses the (non-negative) integer that follows.
@inline(__always)
func intField(_ p: UnsafeRawBufferPointer, _ key: StaticString) -> Int64? {
    let k = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
    let n = p.count, kn = k.count
    guard n > kn else { return nil }
    var i = 0
    outer: while i + kn <= n {
        if p[i] == k[0] {
            for j in 1..<kn where p[i + j] != k[j] { i += 1; continue outer }
            var x = i + kn
            while x < n, p[x] == UInt8(ascii: " ") || p[x] == UInt8(ascii: ":") { x += 1 }
            var v: Int64 = 0
            var any = false
            while x < n, p[x] >= 48, p[x] <= 57 { v = v * 10 + Int64(p[x] - 48); x += 1; any = true }
            return any ? v : nil
        }
        i += 1
    }
    return nil
}

/// One complete HTTP/1.1 response (Content-Length framing) off the front of `buffer`, if it has
/// arrived; `buffer` becomes nil once every byte is used.
func takeHTTPResponse(from buffer: inout ByteBuffer?) -> (status: Int, body: String)? {
    guard var buf = buffer, let end = buf.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return nil }
    let headLen = end.upperBound - buf.readerIndex
    let head = buf.getString(at: buf.readerIndex, length: headLen) ?? ""
    var length = 0
    for line in head.split(separator: "\r\n") {
        let l = line.lowercased()
        if l.hasPrefix("content-length:") { length = Int(l.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0 }
    }
    guard buf.readableBytes >= headLen + length else { return nil }
    buf.moveReaderIndex(forwardBy: headLen)
    let body = buf.readString(length: length) ?? ""
    buffer = buf.readableBytes == 0 ? nil : buf
    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, body)
}
