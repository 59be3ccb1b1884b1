import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded

/// The client's end of a server pipeline on an `EmbeddedChannel`: raw request bytes in, raw
/// response bytes out, the loop's clock moved by hand, and the lines the server logged (through
/// `capturingLogger`), for the tests of Zenith's HTTP handlers.
final class EmbeddedHTTPConnection {
    let channel = EmbeddedChannel()
    let logLines = CapturedLines()

    /// `configure` adds the server's handlers to the channel; then the channel is connected.
    init(configure: (EmbeddedHTTPConnection) throws -> Void) throws {
        try configure(self)
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// A logger whose messages end up in `logLines`.
    func capturingLogger(label: String) -> Logger {
        let lines = self.logLines
        return Logger(label: label) { _ in CapturingLogHandler(lines: lines) }
    }

    /// Sends raw bytes as the client would, and runs what they cause.
    func send(_ text: String) throws {
        try self.channel.writeInbound(ByteBuffer(string: text))
        self.channel.embeddedEventLoop.run()
    }

    /// Everything written to the client since the last call, as text.
    func received() throws -> String {
        var text = ""
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    /// Moves the loop's clock on (timeouts).
    func wait(_ time: TimeAmount) {
        self.channel.embeddedEventLoop.advanceTime(by: time)
    }

    var isOpen: Bool { self.channel.isActive }
}

/// Lines written to a logger, kept for a test to look at.
final class CapturedLines: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    var all: [String] { self.lines.withLockedValue { $0 } }

    func append(_ line: String) {
        self.lines.withLockedValue { $0.append(line) }
    }
}

/// A log handler that keeps each message's text in `lines`.
struct CapturingLogHandler: LogHandler {
    let lines: CapturedLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.lines.append("\(event.message)")
    }
}
