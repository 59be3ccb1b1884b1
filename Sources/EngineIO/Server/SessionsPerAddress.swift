import NIOConcurrencyHelpers
import NIOCore

/// Counts open Engine.IO sessions by client IP so that one address cannot hold more than
/// `limit` (memory is per session). Shared by every event loop; touched at handshake and close
/// only, never per packet.
final class SessionsPerAddress: Sendable {
    private let limit: Int
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for `address`; false when it already holds `limit` sessions.
    func acquire(_ address: SocketAddress?) -> Bool {
        let key = address?.ipAddress ?? "-"
        return self.counts.withLockedValue { counts in
            let current = counts[key, default: 0]
            guard current < self.limit else { return false }
            counts[key] = current + 1
            return true
        }
    }

    func release(_ address: SocketAddress?) {
        let key = address?.ipAddress ?? "-"
        self.counts.withLockedValue { counts in
            let remaining = counts[key, default: 1] - 1
            counts[key] = remaining > 0 ? remaining : nil
        }
    }
}
