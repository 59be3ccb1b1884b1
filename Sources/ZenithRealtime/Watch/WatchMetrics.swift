import Metrics

/// The metrics of one `[[watch]]` entry: polls by result, poll time, scopes polled now, and change
/// events emitted.
struct WatchMetrics: Sendable {
    enum PollResult: String {
        case ok
        /// The session used was refused; another member's is tried.
        case unauthorized
        case failed
    }

    let scopes: Meter
    let pollTime: Timer
    let changes: Counter
    private let results: [PollResult: Counter]

    init(watch: String) {
        self.scopes = Meter(label: "zenith_watch_scopes", dimensions: [("watch", watch)])
        self.pollTime = Timer(label: "zenith_watch_poll_seconds", dimensions: [("watch", watch)])
        self.changes = Counter(label: "zenith_watch_change_events_total", dimensions: [("watch", watch)])
        self.results = Dictionary(uniqueKeysWithValues: [PollResult.ok, .unauthorized, .failed].map { result in
            (result, Counter(label: "zenith_watch_polls_total", dimensions: [("watch", watch), ("result", result.rawValue)]))
        })
    }

    func polls(_ result: PollResult) -> Counter {
        self.results[result]!
    }
}
