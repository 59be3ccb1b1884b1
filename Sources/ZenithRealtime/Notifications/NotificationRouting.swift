/// The outcome of routing one notification: the pushes to make and, for the debug log and the
/// counters, why matching rules pushed nothing, or that no rule matched at all.
public struct NotificationRouting: Sendable, Equatable {
    public var eventType: String
    /// One per rule that matched and could fill its room, in rule order.
    public var pushes: [NotificationPush]
    /// One per rule that matched but could not fill its room.
    public var skipped: [NotificationSkip]

    /// Why nothing is pushed, or nil when something is.
    public var reasonNothingPushed: String? {
        guard pushes.isEmpty else { return nil }
        guard !skipped.isEmpty else { return "no notify rule matches event type '\(eventType)'" }
        return skipped.map(\.description).joined(separator: "; ")
    }
}
