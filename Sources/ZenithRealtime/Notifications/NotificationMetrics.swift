import Metrics

/// The metrics of the notification consumer: `zenith_notifications_total{name,result}` and
/// `zenith_notifications_consumer_up{exchange}` (1 while consuming, 0 while unreachable).
///
/// `result` is `pushed` or `no_room` for a rule (`name` = the rule), and, with an empty `name`,
/// `unmatched` (no rule takes the event type) or `malformed` (rejected without requeue).
struct NotificationMetrics: Sendable {
    enum Result: String, CaseIterable {
        case pushed
        case noRoom = "no_room"
        case unmatched
        case malformed
    }

    private let consumersUp: [String: Gauge]
    private let perRule: [String: [Result: Counter]]
    private let perMessage: [Result: Counter]

    init(rules: [String], exchanges: [String]) {
        self.consumersUp = Dictionary(uniqueKeysWithValues: exchanges.map { exchange in
            let gauge = Gauge(label: "zenith_notifications_consumer_up", dimensions: [("exchange", exchange)])
            gauge.record(0)
            return (exchange, gauge)
        })
        self.perRule = Dictionary(uniqueKeysWithValues: rules.map { rule in
            (rule, Dictionary(uniqueKeysWithValues: [Result.pushed, .noRoom].map { result in
                (result, Self.counter(name: rule, result: result))
            }))
        })
        self.perMessage = Dictionary(uniqueKeysWithValues: [Result.unmatched, .malformed].map { result in
            (result, Self.counter(name: "", result: result))
        })
    }

    private static func counter(name: String, result: Result) -> Counter {
        Counter(label: "zenith_notifications_total", dimensions: [("name", name), ("result", result.rawValue)])
    }

    func consumerUp(exchange: String) -> Gauge {
        self.consumersUp[exchange]!
    }

    func count(_ result: Result, rule: String? = nil) {
        if let rule {
            self.perRule[rule]?[result]?.increment()
        } else {
            self.perMessage[result]?.increment()
        }
    }
}
