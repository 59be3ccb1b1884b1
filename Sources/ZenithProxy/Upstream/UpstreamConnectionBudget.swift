/// Who a backend connection is leased for.
enum UpstreamLeasePurpose {
    /// A client's request (proxied, or a tunnelled WebSocket).
    case client
    /// Zenith's own request: an auth probe or a watcher poll.
    case zenith
}

/// How many backend connections one event loop's pool may hold, and for whom.
///
/// Clients may lease at most `clientLimit` connections at once (the loop's share of the
/// upstream's `max_connections`). Above that, `reserve` more may be opened, and only Zenith's own
/// requests take them: clients that stop reading can hold every client connection (each until
/// `send_timeout`), and auth probes and watcher polls must still get through, or every realtime
/// CONNECT would fail with them.
struct UpstreamConnectionBudget: Equatable {
    let clientLimit: Int
    let reserve: Int
    /// Open or being opened.
    private(set) var open = 0
    /// Leased to clients, or being opened for one.
    private(set) var leasedByClients = 0

    /// - Parameter clientLimit: the loop's share of `max_connections`.
    init(clientLimit: Int) {
        self.clientLimit = clientLimit
        self.reserve = max(2, clientLimit / 8)
    }

    /// The most connections open at once.
    var limit: Int { self.clientLimit + self.reserve }

    /// `purpose` may take a connection that is open and idle.
    func mayLease(for purpose: UpstreamLeasePurpose) -> Bool {
        purpose == .zenith || self.leasedByClients < self.clientLimit
    }

    /// `purpose` may open a new connection.
    func mayOpen(for purpose: UpstreamLeasePurpose) -> Bool {
        self.open < self.limit && self.mayLease(for: purpose)
    }

    /// A connection is being opened for `purpose`.
    mutating func opening(for purpose: UpstreamLeasePurpose) {
        self.open += 1
        self.leased(for: purpose)
    }

    /// An open connection was leased for `purpose`.
    mutating func leased(for purpose: UpstreamLeasePurpose) {
        if purpose == .client { self.leasedByClients += 1 }
    }

    /// A lease for `purpose` ended (the connection is idle again, or about to close).
    mutating func returned(from purpose: UpstreamLeasePurpose) {
        if purpose == .client { self.leasedByClients -= 1 }
    }

    /// A connection closed, failed to open, or left the pool (it became a tunnel).
    mutating func closed() {
        self.open -= 1
    }
}
