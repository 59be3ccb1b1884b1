import ZenithJSON

/// What one `[[notify]]` rule makes of one notification: a Socket.IO event for one room, to be
/// handed to the realtime engine.
public struct NotificationPush: Sendable, Equatable {
    /// The rule's name, for `zenith_notifications_total{name}` and logs.
    public var rule: String
    /// `notify:<name>`.
    public var event: String
    public var room: String
    /// `event_type`, `timestamp` and the rule's fields, as a JSON object.
    public var data: JSONValue
}
