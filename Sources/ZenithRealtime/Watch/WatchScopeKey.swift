/// Names one shared poller: a `[[watch]]` entry, the namespace of its sockets, and the scope their
/// identities fill the watch's room template to (`project:abc`).
struct WatchScopeKey: Hashable, Sendable, CustomStringConvertible {
    var watch: String
    var namespace: String
    var scope: String

    /// The room of the sockets that asked for this watch in this scope; events go only to it, so
    /// the scope's other sockets (other pages of the dashboard) are not bothered.
    var room: String { "watch:" + self.watch + "@" + self.scope }

    /// The event a change is emitted as.
    var event: String { "watch:" + self.watch }

    /// The event that says whether polling works (`{"ok":false}` while it keeps failing).
    var stateEvent: String { "watch:" + self.watch + ":state" }

    var description: String { self.watch + " " + self.namespace + " " + self.scope }
}
