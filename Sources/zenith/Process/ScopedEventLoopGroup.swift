import NIOCore
import NIOPosix

import Foundation

/// Runs `body` with a new event loop group (`threads` loops, by default one per CPU this process
/// may run on) and shuts the group down once `body` has returned, so that everything it made
/// (servers, quiescing helpers) has been released first and nothing schedules work on a stopped
/// loop.
func withEventLoopGroup<Result>(
    threads: Int? = nil, _ body: (MultiThreadedEventLoopGroup) async throws -> Result
) async throws -> Result {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? usableCPUCount())
    do {
        let result = try await body(group)
        try? await group.shutdownGracefully()
        return result
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}

/// The CPUs in this process's affinity mask (`taskset`, systemd `CPUAffinity=`), which
/// `System.coreCount` does not consult: more event loops than CPUs only adds context switches.
/// Read from `Cpus_allowed_list` in /proc/self/status (`0-3,6`), as Swift cannot call the GNU
/// `sched_getaffinity`.
private func usableCPUCount() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
    else { return System.coreCount }
    var count = 0
    for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
        let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if bounds.count == 2 { count += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { count += 1 }
    }
    return count > 0 ? min(count, System.coreCount) : System.coreCount
}
