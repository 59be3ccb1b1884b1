/// A session for callbacks that may outlive it, such as a keep-alive connection's close: the
/// session holds its link and cuts it when it closes, so that a closed session is freed while the
/// callback waits. A `weak` reference would do the same, but would give the session a side table
/// for the rest of its life, and then every retain of the session takes the runtime's slow path,
/// once per recipient of every broadcast.
final class EngineIOSessionLink {
    private(set) var session: EngineIOSession?

    init(_ session: EngineIOSession) {
        self.session = session
    }

    /// The session closed: callbacks find nothing from now on.
    func cut() {
        self.session = nil
    }
}
