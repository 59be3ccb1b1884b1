import Logging
import NIOCore
import SocketIO
import ZenithCluster
import ZenithConfig
import ZenithProxy

/// Every scope watcher of the process, found by `WatchScopeKey`: made when the first socket of a
/// scope asks for a watch, dropped when the last one leaves.
///
/// Watchers are spread over the event loops by key; each loop's share is touched only on that
/// loop, so no lock is taken for membership changes. Events leave through the realtime engine's
/// publish, attached once it exists (its server needs the namespace handler, which needs this),
/// so in a cluster they also go to the other nodes, whose watchers of the same scope do not poll
/// while this one holds the scope's lease.
public final class WatchRegistry: Sendable {
    let watches: [String: (settings: WatchSettings, services: WatchServices)]
    /// The watchers that live on each event loop.
    private let shards: [NIOLoopBoundBox<[WatchScopeKey: ScopeWatcher]>]
    private let publish = BroadcastRelay()

    public init(
        watches: [WatchSettings], eventLoops: [EventLoop], client: UpstreamClient,
        authenticator: SessionCookieAuthenticator, maxConcurrentPolls: Int, logger: Logger, cluster: ClusterNode? = nil
    ) {
        let permits = PollPermits(count: maxConcurrentPolls)
        let publish = self.publish
        let emit: @Sendable (SocketIOBroadcast) -> Void = { broadcast in
            publish.relay(broadcast)
        }
        self.watches = Dictionary(uniqueKeysWithValues: watches.map { settings in
            let services = WatchServices(
                client: client, authenticator: authenticator, permits: permits,
                metrics: WatchMetrics(watch: settings.name), logger: logger, emit: emit, cluster: cluster
            )
            return (settings.name, (settings, services))
        })
        self.shards = eventLoops.map {
            NIOLoopBoundBox.makeBoxSendingValue([:], as: [WatchScopeKey: ScopeWatcher].self, eventLoop: $0)
        }
    }

    /// Gives the watchers their way out to the sockets (and the other nodes).
    public func attach(publish: @escaping @Sendable (SocketIOBroadcast) -> Void) {
        self.publish.set(publish)
    }

    /// Adds `member` to the watcher of `key`, making it if needed.
    func add(_ member: WatchMember, to key: WatchScopeKey) {
        guard let watch = self.watches[key.watch] else { return }
        let shard = self.shard(for: key)
        shard.eventLoop.execute {
            if let watcher = shard.value[key], !watcher.isStopped {
                watcher.add(member)
                return
            }
            let watcher = ScopeWatcher(key: key, settings: watch.settings, eventLoop: shard.eventLoop, services: watch.services)
            shard.value[key] = watcher
            watcher.add(member)
        }
    }

    /// Takes a socket out of the watcher of `key`; the watcher stops when it was the last.
    func remove(socketID: String, from key: WatchScopeKey) {
        let shard = self.shard(for: key)
        shard.eventLoop.execute {
            guard let watcher = shard.value[key] else { return }
            watcher.remove(socketID: socketID)
            if watcher.isStopped {
                shard.value[key] = nil
            }
        }
    }

    /// A notification says something of `scope` changed: the watchers of `watch` for that scope
    /// (in any namespace) poll within `ScopeWatcher.pokePause`, bursts sharing one poll; with no
    /// `scope`, every watcher of `watch` does (after the message bus was unreachable). Scopes
    /// nobody watches are left alone.
    public func pollSoon(watch: String, scope: String?) {
        for shard in self.shards {
            shard.eventLoop.execute {
                for (key, watcher) in shard.value where key.watch == watch && (scope == nil || key.scope == scope) {
                    watcher.pollSoon(within: ScopeWatcher.pokePause)
                }
            }
        }
    }

    private func shard(for key: WatchScopeKey) -> NIOLoopBoundBox<[WatchScopeKey: ScopeWatcher]> {
        self.shards[Int(UInt(bitPattern: key.hashValue) % UInt(self.shards.count))]
    }
}
