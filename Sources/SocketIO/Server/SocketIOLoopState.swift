import Logging
import Metrics

/// The Socket.IO state of one event loop: the members of each namespace. Confined to that loop.
final class SocketIOLoopState {
    private var namespaces: [String: NamespaceMembers] = [:]
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func members(of namespace: String) -> NamespaceMembers {
        if let members = self.namespaces[namespace] { return members }
        let members = NamespaceMembers()
        self.namespaces[namespace] = members
        return members
    }

    func existingMembers(of namespace: String) -> NamespaceMembers? {
        self.namespaces[namespace]
    }

    /// `zenith_realtime_connects_total{result}`: namespace CONNECTs accepted and refused.
    private let accepted = Counter(label: "zenith_realtime_connects_total", dimensions: [("result", "accepted")])
    private let refused = Counter(label: "zenith_realtime_connects_total", dimensions: [("result", "refused")])

    func countConnect(accepted: Bool) {
        (accepted ? self.accepted : self.refused).increment()
    }

    /// `zenith_realtime_recoveries_total`: sockets that came back with connection state recovery.
    private let recoveries = Counter(label: "zenith_realtime_recoveries_total")

    func countRecovery() {
        self.recoveries.increment()
    }

    func logProtocolViolation(_ reason: String, session: String) {
        self.logger.info(
            "closing realtime session after a malformed packet", metadata: ["reason": "\(reason)", "session": "\(session)"]
        )
    }
}
