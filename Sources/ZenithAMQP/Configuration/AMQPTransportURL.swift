import ZenithText

/// An oslo.messaging `transport_url` for RabbitMQ:
/// `rabbit://user:pass@h1:5672,user:pass@h2:5672/vhost?ssl=1`.
///
/// Several comma-separated hosts, each with its own credentials (oslo's form; a host without
/// them uses the previous host's, and at least the first must name them); user, password and
/// vhost percent-decoded; port 5672 when absent; vhost `/` when the path is empty; `ssl=1` (or
/// `true`/`yes`) asks for TLS. `description` never shows a password.
public struct AMQPTransportURL: Equatable, Sendable, CustomStringConvertible {
    /// One broker to try, with the credentials to present to it.
    public struct Host: Equatable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String

        public init(host: String, port: Int = 5672, user: String, password: String) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
        }

        /// `user:***@host:port`: the password is never shown.
        public var description: String {
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "\(user):***@\(shownHost):\(port)"
        }
    }

    /// The brokers, in the order to try them.
    public var hosts: [Host]
    public var virtualHost: String
    public var useTLS: Bool

    public init(hosts: [Host], virtualHost: String = "/", useTLS: Bool = false) {
        self.hosts = hosts
        self.virtualHost = virtualHost
        self.useTLS = useTLS
    }

    public var description: String {
        let vhost = virtualHost == "/" ? "" : virtualHost
        return "rabbit://\(hosts.map(\.description).joined(separator: ","))/\(vhost)\(useTLS ? "?ssl=1" : "")"
    }

    /// Parses a transport URL; the error says what is wrong and never repeats the password.
    public init(parsing text: String) throws(AMQPTransportURLError) {
        let trimmed = text.trimmingWhitespace()
        guard let schemeEnd = trimmed.firstRange(of: "://") else { throw .init("no scheme: expected rabbit://...") }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "rabbit" || scheme == "amqp" else { throw .init("scheme '\(scheme)' is not rabbit://") }
        var rest = trimmed[schemeEnd.upperBound...]
        var query = Substring("")
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hosts: [Host] = []
        for (index, entry) in rest.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            hosts.append(try Self.host(entry, number: index + 1, previous: hosts.last))
        }
        let vhost = try Self.decode(path, what: "virtual host")
        self.init(hosts: hosts, virtualHost: vhost.isEmpty ? "/" : vhost, useTLS: try Self.tls(query))
        guard virtualHost.utf8.count <= 255 else { throw .init("virtual host longer than 255 bytes") }
    }

    private static func host(_ entry: Substring, number: Int, previous: Host?) throws(AMQPTransportURLError) -> Host {
        var address = entry
        var user: String
        var password: String
        if let at = entry.lastIndex(of: "@") {
            let credentials = entry[..<at]
            address = entry[entry.index(after: at)...]
            let colon = credentials.firstIndex(of: ":")
            user = try decode(credentials[..<(colon ?? credentials.endIndex)], what: "user of host \(number)")
            password = try colon.map { c throws(AMQPTransportURLError) in try decode(credentials[credentials.index(after: c)...], what: "password of host \(number)") } ?? ""
        } else if let previous {
            user = previous.user
            password = previous.password
        } else {
            throw .init("host \(number) has no user:password@")
        }
        guard !user.isEmpty else { throw .init("host \(number) has an empty user name") }
        guard user.utf8.count + password.utf8.count < 4096 else { throw .init("credentials of host \(number) are too long") }
        var hostName = address
        var portText: Substring?
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw .init("host \(number): '[' without ']'") }
            hostName = address[address.index(after: address.startIndex)..<close]
            let after = address[address.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .init("host \(number): unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = address.lastIndex(of: ":") {
            hostName = address[..<colon]
            portText = address[address.index(after: colon)...]
        }
        guard !hostName.isEmpty else { throw .init("host \(number) has no host name") }
        guard hostName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" }) else {
            // Not quoted: a host entry without `@` may be the rest of a password written with a `,`.
            throw .init("host \(number) is not a host name or address")
        }
        var port = 5672
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value), portText.allSatisfy(\.isASCII) else {
                throw .init("host \(number): the port is not a number from 1 to 65535")
            }
            port = value
        }
        return Host(host: String(hostName), port: port, user: user, password: password)
    }

    private static func decode(_ text: Substring, what: String) throws(AMQPTransportURLError) -> String {
        guard let bytes = Array(text.utf8).percentDecoded(plusAsSpace: false),
              let string = String(validating: bytes, as: UTF8.self), !bytes.contains(0)
        else { throw .init("\(what) is not valid percent-encoded UTF-8") }
        return string
    }

    private static func tls(_ query: Substring) throws(AMQPTransportURLError) -> Bool {
        var useTLS = false
        for parameter in query.split(separator: "&") {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "ssl" else { continue }  // other oslo options do not concern the connection
            let value = parts.count > 1 ? parts[1].lowercased() : ""
            switch value {
            case "1", "true", "yes", "on": useTLS = true
            case "0", "false", "no", "off": useTLS = false
            default: throw .init("ssl=\(value) is not 1 or 0")
            }
        }
        return useTLS
    }
}

/// Why a transport URL was refused (never includes the password).
public struct AMQPTransportURLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { "transport URL: \(message)" }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self[...]
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return text
    }
}
