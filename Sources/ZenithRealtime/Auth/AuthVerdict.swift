/// What the dashboard said about a session cookie.
public enum AuthVerdict: Sendable, Hashable {
    /// A valid session: this identity.
    case accepted(Identity)
    /// No session, an expired one, or not allowed (401, 403, a redirect to the login page).
    case refused
    /// The dashboard could not be asked or gave no usable answer (down, slow, 5xx, bad JSON):
    /// never a pass, never cached.
    case unavailable
}

extension AuthVerdict {
    var metricsLabel: String {
        switch self {
        case .accepted: "accepted"
        case .refused: "refused"
        case .unavailable: "unavailable"
        }
    }
}
