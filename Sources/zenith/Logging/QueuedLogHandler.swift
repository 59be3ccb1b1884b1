import Logging

/// A swift-log handler that formats each event as one line (`LogLineFormat`) and hands it to a
/// `LogLineQueue`, so logging from an event loop costs a format and an append, never a write.
struct QueuedLogHandler: LogHandler {
    let label: String
    let queue: LogLineQueue
    var logLevel: Logger.Level
    var format: LogLineFormat = .text
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = event.metadata.map { self.metadata.merging($0) { $1 } } ?? self.metadata
        self.queue.append(
            self.format.line(level: event.level, label: self.label, message: event.message, error: event.error, metadata: merged)
        )
    }
}
