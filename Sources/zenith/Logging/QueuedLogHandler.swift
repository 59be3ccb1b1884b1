import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that formats `time level label: message metadata` lines and hands them to
/// a `LogLineQueue`, so logging from an event loop costs a format and an append, never a write.
struct QueuedLogHandler: LogHandler {
    let label: String
    let queue: LogLineQueue
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text = Self.timestamp()
        text += " "
        text += event.level.rawValue
        text += " "
        text += self.label
        text += ": "
        text += event.message.description
        if let error = event.error {
            text += " error=\(error)"
        }
        let merged = event.metadata.map { self.metadata.merging($0) { $1 } } ?? self.metadata
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        text += "\n"
        self.queue.append(text)
    }

    /// UTC, ISO 8601 with milliseconds.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
            + "\(pad(now.tv_nsec / 1_000_000, 3))Z"
    }
}
