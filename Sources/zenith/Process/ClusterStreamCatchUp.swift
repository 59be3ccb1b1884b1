import Logging
import NIOConcurrencyHelpers
import NIOCore
import ZenithCluster

/// At start in a cluster with recovery: before the listeners open, the node reads the cluster's
/// stream up to now, so that a client that comes back to it at once (a balancer sending it the
/// reconnections of a node that stopped) gets what it missed. Bounded: with Redis away the node
/// starts anyway, serving new sockets.
enum ClusterStreamCatchUp {
    static let patience = TimeAmount.seconds(5)

    static func wait(for recovery: ClusterRecovery, logger: Logger) async {
        let caughtUp = recovery.caughtUp
        let outcome = caughtUp.eventLoop.makePromise(of: Bool.self)
        let decided = NIOLockedValueBox(false)
        let decide = { @Sendable (inTime: Bool) in
            if decided.withLockedValue({ done in defer { done = true }; return !done }) {
                outcome.succeed(inTime)
            }
        }
        caughtUp.whenComplete { _ in decide(true) }
        caughtUp.eventLoop.scheduleTask(in: Self.patience) { decide(false) }
        if (try? await outcome.futureResult.get()) != true {
            logger.warning(
                "the cluster's broadcast stream could not be read within 5 s: sockets that come back now may start afresh",
                metadata: ["waited": "\(Self.patience)"]
            )
        }
    }
}
