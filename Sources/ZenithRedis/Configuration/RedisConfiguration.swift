import NIOCore
import ZenithBackoff

/// Where and how to reach Redis: the server, the credentials, TLS, the reply bounds and the
/// reconnect policy. Made from a `redis://` or `rediss://` URL (`init(url:passwordFile:)`);
/// owned by whoever creates a `RedisClient` or `RedisSubscriber`.
///
/// The password never appears in `description`, in errors or in logs.
public struct RedisConfiguration: Sendable {
    /// TLS towards Redis (`rediss://`), with swift-nio-ssl.
    public struct TLS: Sendable, Hashable {
        /// PEM file of the certificate authorities to trust; nil: the system's.
        public var caFile: String?
        /// The name sent as SNI and checked against the certificate; nil: the host when it is a
        /// name (an IP address is checked against the certificate's IP entries, with no SNI).
        public var serverName: String?

        public init(caFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile
            self.serverName = serverName
        }
    }

    public var host: String
    public var port: Int
    /// The database selected (`SELECT`) on every connection; 0 is not sent.
    public var database: Int
    /// The ACL user (`AUTH user password`); nil: `AUTH password` (the default user).
    public var username: String?
    /// nil: no `AUTH`.
    public var password: String?
    public var tls: TLS?
    public var limits: RESPLimits
    /// How long one TCP connect may take.
    public var connectTimeout: TimeAmount
    /// How long to wait between connection attempts after Redis went away.
    public var backoff: ReconnectBackoff

    public init(
        host: String, port: Int = 6379, database: Int = 0, username: String? = nil, password: String? = nil,
        tls: TLS? = nil, limits: RESPLimits = RESPLimits(), connectTimeout: TimeAmount = .seconds(5),
        backoff: ReconnectBackoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(5))
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.backoff = backoff
    }

    /// Reads `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS; an IPv6 host in
    /// brackets; user and password percent-encoded). With `passwordFile`, the password is that
    /// file's first line, and the URL must not hold one too.
    public init(url: String, passwordFile: String? = nil) throws(RedisConfigurationError) {
        let parsed = try RedisURL(url)
        self.init(host: parsed.host, port: parsed.port, database: parsed.database, username: parsed.username, password: parsed.password)
        if parsed.tls { tls = TLS() }
        if let passwordFile {
            guard password == nil else {
                throw .passwordTwice
            }
            password = try Self.readPassword(file: passwordFile)
        }
    }

    /// The URL this configuration connects to, password shown as `***`.
    public var redactedURL: String {
        var url = tls == nil ? "redis://" : "rediss://"
        if username != nil || password != nil {
            url += (username ?? "") + ":" + (password == nil ? "" : "***") + "@"
        }
        url += host.contains(":") ? "[\(host)]" : host
        url += ":\(port)/\(database)"
        return url
    }
}

extension RedisConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { redactedURL }
    public var debugDescription: String { "RedisConfiguration(\(redactedURL))" }
}
