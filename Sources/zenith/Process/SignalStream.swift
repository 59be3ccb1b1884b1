import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Delivers Unix signals as an async sequence (their default action is switched off).
enum SignalStream {
    static func watching(_ signals: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let queue = DispatchQueue(label: "zenith.signals")
            let sources = Sources()
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.all.append(source)
            }
            continuation.onTermination = { _ in
                queue.async { for source in sources.all { source.cancel() } }
            }
        }
    }
}

/// The dispatch sources of one stream; touched only when the stream is set up and, on its
/// queue, when it ends.
private final class Sources: @unchecked Sendable {
    var all: [DispatchSourceSignal] = []
}
