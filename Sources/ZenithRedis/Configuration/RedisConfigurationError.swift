/// Why a Redis URL or password file cannot be used. The text names the problem and, for a URL,
/// the redacted part at fault, never a password.
public enum RedisConfigurationError: Error, Sendable, Hashable {
    /// The URL does not follow `redis://[[user]:password@]host[:port][/db]`; the reason says where.
    case badURL(String)
    /// Both the URL and a password file give a password.
    case passwordTwice
    /// The password file cannot be read or holds no password.
    case passwordFile(path: String, reason: String)
}

extension RedisConfigurationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .badURL(let reason): "bad Redis URL: \(reason)"
        case .passwordTwice: "the Redis URL holds a password and password_file gives one too: keep only password_file"
        case .passwordFile(let path, let reason): "cannot read the Redis password from \(path): \(reason)"
        }
    }
}
