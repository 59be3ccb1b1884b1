import NIOCore
import ZenithConfig

/// The other nodes this node has heard from, with where to reach them: a value changed only by
/// announcements and by time, so it is tested without Redis. A node not heard from for
/// `expiry` (several heartbeats: it died without saying `down`) is forgotten.
public struct ClusterPeers: Sendable {
    /// What an announcement or the passing of time changed, for the log.
    public enum Change: Sendable, Equatable {
        case joined(String, HostAndPort)
        case moved(String, HostAndPort)
        case left(String)
        /// A node beyond `maxPeers`: not taken in (its sessions are answered "unknown" here).
        case ignored(String)
    }

    /// Nodes known at most: anyone who can write to Redis can announce nodes, and each known
    /// node is an address this node may open connections to.
    public static let maxPeers = 64

    private struct Peer: Sendable {
        var advertise: HostAndPort
        var lastHeard: NIODeadline
    }

    public let ownNode: String
    public let expiry: TimeAmount
    private var peers: [String: Peer] = [:]

    public init(ownNode: String, expiry: TimeAmount) {
        self.ownNode = ownNode
        self.expiry = expiry
    }

    /// Where `node` is reached, if it is alive as far as this node knows.
    public func address(of node: Substring) -> HostAndPort? {
        self.peers[String(node)]?.advertise
    }

    /// The names of the nodes known alive, this one excluded, sorted.
    public var names: [String] { self.peers.keys.sorted() }

    /// Takes in an announcement heard at `now`; this node's own are ignored (the caller checks
    /// them for a name used twice).
    public mutating func hear(_ announcement: ClusterAnnouncement, at now: NIODeadline) -> Change? {
        guard announcement.node != self.ownNode else { return nil }
        switch announcement.word {
        case .down:
            return self.peers.removeValue(forKey: announcement.node).map { _ in .left(announcement.node) }
        case .hello, .up:
            if self.peers[announcement.node] == nil && self.peers.count >= Self.maxPeers {
                return .ignored(announcement.node)
            }
            let previous = self.peers.updateValue(
                Peer(advertise: announcement.advertise, lastHeard: now), forKey: announcement.node
            )
            switch previous {
            case nil: return .joined(announcement.node, announcement.advertise)
            case let peer? where peer.advertise != announcement.advertise: return .moved(announcement.node, announcement.advertise)
            default: return nil
            }
        }
    }

    /// Forgets the nodes not heard from since `now - expiry`.
    public mutating func expire(at now: NIODeadline) -> [Change] {
        let gone = self.peers.filter { now - $0.value.lastHeard > self.expiry }.keys.sorted()
        for node in gone {
            self.peers.removeValue(forKey: node)
        }
        return gone.map(Change.left)
    }
}
