import Logging
import ZenithJSON

#if canImport(Glibc)
import Glibc
#endif

/// How a log event becomes one line on stderr (`[log] format`).
enum LogLineFormat: String {
    /// `2026-12-07T03:20:45.873Z info zenith: listening address=127.0.0.1:80 protocol=http`.
    case text
    /// `{"time":"…","level":"info","label":"zenith","message":"listening","address":"…",…}`: the
    /// metadata as fields (integers, decimals and booleans as JSON's), keys in name order.
    case json
    /// `<6>zenith: listening address=…`: the priority prefix journald turns into the entry's
    /// PRIORITY (systemd's SyslogLevelPrefix), no time stamp (the journal has its own).
    case journal

    func line(
        level: Logger.Level, label: String, message: Logger.Message, error: (any Error)?, metadata: Logger.Metadata
    ) -> String {
        switch self {
        case .text:
            return Self.timestamp() + " " + level.rawValue + " " + Self.text(label: label, message: message, error: error, metadata: metadata)
        case .journal:
            return "<\(Self.syslogPriority(level))>" + Self.text(label: label, message: message, error: error, metadata: metadata)
        case .json:
            var members: [(String, JSONValue)] = [
                ("time", .string(Self.timestamp())), ("level", .string(level.rawValue)), ("label", .string(label)),
                ("message", .string(message.description)),
            ]
            if let error {
                members.append(("error", .string("\(error)")))
            }
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["time", "level", "label", "message", "error"].contains(key) {
                members.append((key, Self.json(value)))
            }
            return JSONValue.object(JSONObject(members)).jsonText + "\n"
        }
    }

    private static func text(label: String, message: Logger.Message, error: (any Error)?, metadata: Logger.Metadata) -> String {
        var text = label + ": " + message.description
        if let error {
            text += " error=\(error)"
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        return text + "\n"
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let value as Bool): return .bool(value)
        case .stringConvertible(let value as Int): return .int(Int64(value))
        case .stringConvertible(let value as Int64): return .int(value)
        case .stringConvertible(let value as Double) where value.isFinite: return .double(value)
        case .stringConvertible(let value): return .string(value.description)
        case .array(let values): return .array(values.map(Self.json))
        case .dictionary(let values): return .object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, Self.json($0.value)) }))
        }
    }

    /// syslog's priorities (RFC 5424): swift-log's notice is syslog's notice, trace and debug are debug.
    private static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
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
