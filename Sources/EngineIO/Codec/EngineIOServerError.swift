/// The errors an Engine.IO server answers a bad request with, numbered as the Node reference
/// server numbers them (`Server.errors`), so clients and the official test suite see the same
/// `{"code":N,"message":"..."}` bodies.
public enum EngineIOServerError: Int, Error, Sendable, CaseIterable {
    case transportUnknown = 0
    case sessionIDUnknown = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    /// The message text, exactly as the Node reference server writes it.
    public var message: String {
        switch self {
        case .transportUnknown: "Transport unknown"
        case .sessionIDUnknown: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    /// The JSON response body, `{"code":N,"message":"..."}` (the messages need no escaping).
    public var jsonBody: String {
        #"{"code":\#(rawValue),"message":"\#(message)"}"#
    }

    /// The HTTP status to answer with: 403 for `forbidden`, 400 for every other error.
    public var httpStatus: Int {
        self == .forbidden ? 403 : 400
    }
}
