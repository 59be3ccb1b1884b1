import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Takes finished log lines from any thread and writes them to a file descriptor from a thread
/// of its own, so that an event loop never waits on a slow stderr (journald, a full pipe).
///
/// The queue is bounded: when the writer falls more than `capacity` lines behind, new lines are
/// dropped and counted, and the count is written once the writer catches up.
final class LogLineQueue: Sendable {
    private struct State {
        var lines: [String] = []
        var dropped = 0
    }

    private let state = NIOLockedValueBox(State())
    private let wakeUp = ConditionLock(value: false)
    private let fileDescriptor: Int32
    private let capacity: Int

    init(fileDescriptor: Int32 = STDERR_FILENO, capacity: Int = 16384) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            Unmanaged<LogLineQueue>.fromOpaque(argument!).takeRetainedValue().drainForever()
        }, box.toOpaque())
        precondition(created == 0, "cannot start the log writer thread")
        pthread_detach(thread)
    }

    func append(_ line: String) {
        let accepted = self.state.withLockedValue { state -> Bool in
            guard state.lines.count < self.capacity else {
                state.dropped += 1
                return false
            }
            state.lines.append(line)
            return state.lines.count == 1
        }
        if accepted {
            self.wakeUp.lock()
            self.wakeUp.unlock(withValue: true)
        }
    }

    private func drainForever() -> Never {
        while true {
            self.wakeUp.lock(whenValue: true)
            self.wakeUp.unlock(withValue: false)
            let (lines, dropped) = self.state.withLockedValue { state in
                defer {
                    state.lines.removeAll(keepingCapacity: true)
                    state.dropped = 0
                }
                return (state.lines, state.dropped)
            }
            var text = lines.joined()
            if dropped > 0 {
                text += "zenith: \(dropped) log lines dropped, the log output was too slow\n"
            }
            self.writeFully(&text)
        }
    }

    private func writeFully(_ text: inout String) {
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(self.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
