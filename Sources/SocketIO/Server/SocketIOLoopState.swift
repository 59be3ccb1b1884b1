import Logging

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

    func logProtocolViolation(_ reason: String, session: String) {
        self.logger.info("closing realtime session after a malformed packet", metadata: ["reason": "\(reason)"])
    }
}
