/// Why a rule whose events matched a notification pushed nothing: the notification is dropped
/// for that rule and counted, never sent to a wider room. The description is a debug log line.
public struct NotificationSkip: Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the room's placeholder values.
    public enum Reason: Error, Sendable, Equatable {
        /// The payload has nothing at this path.
        case roomPathMissing(String)
        /// The path leads to a value that cannot name a room (not a string or number, or empty).
        case roomValueUnusable(path: String, found: String)
    }

    public var rule: String
    public var reason: Reason

    public var description: String {
        switch reason {
        case .roomPathMissing(let path): "notify '\(rule)': no room, the payload has no '\(path)'"
        case .roomValueUnusable(let path, let found): "notify '\(rule)': no room, '\(path)' is \(found)"
        }
    }
}
