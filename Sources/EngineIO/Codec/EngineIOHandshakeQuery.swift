import ZenithText

/// The Engine.IO query of a request URI (`/socket.io/?EIO=4&transport=polling&sid=...&t=...`),
/// percent-decoded, and its validation into what the request asks for or the protocol error to
/// answer with (mirroring the Node reference server's `verify` and `handshake` checks).
///
/// Parsed once per request by the realtime router; holds no session state.
public struct EngineIOHandshakeQuery: Equatable, Sendable {
    /// One decoded `name=value` pair, in request order.
    public struct Parameter: Equatable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The transports of Engine.IO v4.
    public enum Transport: String, Equatable, Sendable, CaseIterable {
        case polling
        case websocket
    }

    /// What a valid request asks for.
    public enum Intent: Equatable, Sendable {
        /// Open a new session on this transport.
        case handshake(Transport)
        /// Use the existing session `sid` (a poll, a post, or a WebSocket upgrade).
        case session(sid: String, transport: Transport)
    }

    /// Every parameter, decoded, in order.
    public var parameters: [Parameter]
    /// `EIO`: the protocol revision ("4").
    public var protocolVersion: String?
    /// `transport`, as sent (not yet checked).
    public var transportName: String?
    /// `sid`: the session id, once the session exists.
    public var sid: String?
    /// `t`: the client's cache buster, unused by the server.
    public var timestamp: String?

    /// Parses the query of `uri` (a request target such as `/socket.io/?EIO=4&transport=polling`;
    /// a bare query without `?` is not accepted as one, a target without query has no parameters).
    ///
    /// - Throws: `.badRequest` for a malformed percent escape, a value that is not UTF-8, or a
    ///   repeated `EIO`, `transport` or `sid` (which Node would see as an array, never valid).
    public init(uri: String) throws(EngineIOServerError) {
        var query = Substring(uri)
        if let question = query.firstIndex(of: "?") {
            query = query[query.index(after: question)...]
        } else {
            query = query[query.endIndex...]
        }
        if let hash = query.firstIndex(of: "#") {
            query = query[..<hash]
        }
        try self.init(query: query)
    }

    /// Parses a raw query string (the part after `?`).
    public init(query: Substring) throws(EngineIOServerError) {
        parameters = []
        for piece in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let rawName = piece[..<(equals ?? piece.endIndex)]
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            guard let name = Self.percentDecode(rawName), let value = Self.percentDecode(rawValue) else {
                throw .badRequest
            }
            parameters.append(Parameter(name: name, value: value))
        }
        for parameter in parameters {
            switch parameter.name {
            case "EIO":
                guard protocolVersion == nil else { throw .badRequest }
                protocolVersion = parameter.value
            case "transport":
                guard transportName == nil else { throw .badRequest }
                transportName = parameter.value
            case "sid":
                guard sid == nil else { throw .badRequest }
                sid = parameter.value
            case "t":
                timestamp = parameter.value
            default:
                break
            }
        }
    }

    /// The value of the first parameter called `name`.
    public func value(of name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Checks the request in the reference server's order and says what it asks for.
    ///
    /// - `transport` not `polling`/`websocket` → `.transportUnknown`;
    /// - a `sid` that no server of ours could have made → `.sessionIDUnknown` (whether a
    ///   well-formed one is known is for the session table to say);
    /// - `websocket` without a WebSocket upgrade, or an upgrade for `polling` → `.badRequest`;
    /// - a handshake (no `sid`) by a method other than GET → `.badHandshakeMethod`;
    /// - a handshake whose `EIO` is not `4` → `.unsupportedProtocolVersion`.
    public func validate(method: String, isWebSocketUpgrade: Bool) throws(EngineIOServerError) -> Intent {
        guard let transportName, let transport = Transport(rawValue: transportName) else {
            throw .transportUnknown
        }
        if let sid, !sid.isEmpty {
            guard EngineIOSessionID.isWellFormed(sid) else { throw .sessionIDUnknown }
            guard (transport == .websocket) == isWebSocketUpgrade else { throw .badRequest }
            return .session(sid: sid, transport: transport)
        }
        guard method == "GET" else { throw .badHandshakeMethod }
        guard (transport == .websocket) == isWebSocketUpgrade else { throw .badRequest }
        guard protocolVersion == "4" else { throw .unsupportedProtocolVersion }
        return .handshake(transport)
    }

    /// Decodes `+` as a space and `%XX` escapes, then requires UTF-8; nil when malformed. Most
    /// names and values have neither, and become a String without a decoding pass.
    static func percentDecode(_ raw: Substring.UTF8View.SubSequence) -> String? {
        guard raw.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(Substring(raw))
        }
        guard let bytes = raw.percentDecoded(plusAsSpace: true) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
