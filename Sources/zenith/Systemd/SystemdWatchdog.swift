import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Pings systemd's watchdog (`WATCHDOG_USEC`) at half its interval, but only while every event
/// loop is alive: each loop stamps a heartbeat from a task of its own, and a ping goes out only
/// when all stamps are recent. A loop stuck in a busy handler stops the pings, and systemd
/// restarts the service.
final class SystemdWatchdog: Sendable {
    private let tasks: NIOLockedValueBox<[RepeatedTask]>

    /// Starts pinging when `WATCHDOG_USEC` is set for this process; nil otherwise.
    init?(notifier: SystemdNotifier, loops: [EventLoop], environment: [String: String] = SystemdNotifier.processEnvironment()) {
        guard notifier.isActive, let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], let pid = Int32(owner), pid != getpid() {
            return nil
        }
        let interval = TimeAmount.microseconds(micros / 2)
        let heartbeats = NIOLockedValueBox([NIODeadline](repeating: .now(), count: loops.count))
        var tasks: [RepeatedTask] = []
        for (index, loop) in loops.enumerated() {
            tasks.append(
                loop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(micros / 8)) { _ in
                    heartbeats.withLockedValue { $0[index] = .now() }
                }
            )
        }
        tasks.append(
            loops[0].scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
                let oldest = heartbeats.withLockedValue { $0.min() ?? .now() }
                if NIODeadline.now() - oldest < interval {
                    notifier.watchdog()
                }
            }
        )
        self.tasks = NIOLockedValueBox(tasks)
    }

    func stop() {
        for task in self.tasks.withLockedValue({ $0 }) {
            task.cancel()
        }
    }
}
