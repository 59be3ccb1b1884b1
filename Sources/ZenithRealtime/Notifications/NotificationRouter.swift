/// Turns a notification into what Zenith pushes, by the `[[notify]]` rules in order. Pure: the
/// consumer (``NotificationConsumer``) hands each decoded delivery here and the engine sends the pushes.
///
/// Every rule is tried, so one event can feed several rules (a list page and a detail page,
/// say) and yields one push per matching rule; rules with the same name are not merged.
public struct NotificationRouter: Sendable {
    public let rules: [NotificationRule]

    public init(rules: [NotificationRule]) {
        self.rules = rules
    }

    public func route(_ notification: OsloNotification) -> NotificationRouting {
        var routing = NotificationRouting(eventType: notification.eventType, pushes: [], skipped: [])
        for rule in rules where rule.matches(eventType: notification.eventType) {
            switch rule.fillRoom(from: notification.payload) {
            case .success(let room):
                routing.pushes.append(
                    NotificationPush(rule: rule.name, event: rule.eventName, room: room, data: rule.data(for: notification)))
            case .failure(let reason):
                routing.skipped.append(NotificationSkip(rule: rule.name, reason: reason))
            }
        }
        return routing
    }
}
