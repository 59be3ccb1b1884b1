import NIOCore
import ZenithJSON

/// One oslo.messaging notification, read from the body of an AMQP delivery: what Nova, Cinder,
/// Neutron and Glance publish on their notification topics (issue 15).
///
/// oslo.messaging's `messagingv2` driver wraps the message in an envelope whose `oslo.message` is
/// the message as JSON *text* (`rpc_common.serialize_msg`): `{"oslo.version": "2.0",
/// "oslo.message": "{\"event_type\": ...}"}`. The older `messaging` driver (v1) sends the message
/// object itself; both are accepted. The request context travels as `_context_*` members of the
/// message (`amqpdriver`'s `pack_context`), kept here without the prefix.
public struct OsloNotification: Sendable, Equatable {
    /// Why a body is not a notification; the text is meant for a log line, and the cases let the
    /// caller count and log each kind once.
    public enum Malformed: Error, Equatable, CustomStringConvertible {
        case tooLarge(size: Int, limit: Int)
        case notJSON(JSONParseError)
        /// The envelope's `oslo.message` text is not JSON.
        case messageNotJSON(JSONParseError)
        case notAnObject
        /// An envelope whose `oslo.version` is not 2.0, or that lacks `oslo.version` or a string
        /// `oslo.message`.
        case badEnvelope(String)
        case missingEventType
        case missingPayload
        /// A member that oslo always writes as a string holds something else.
        case notAString(field: String)

        public var description: String {
            switch self {
            case .tooLarge(let size, let limit): "notification of \(size) bytes is larger than the limit of \(limit)"
            case .notJSON(let error): "notification is not JSON: \(error)"
            case .messageNotJSON(let error): "oslo.message of the envelope is not JSON: \(error)"
            case .notAnObject: "notification is not a JSON object"
            case .badEnvelope(let why): "bad oslo.messaging envelope: \(why)"
            case .missingEventType: "notification has no event_type string"
            case .missingPayload: "notification has no payload"
            case .notAString(let field): "notification's \(field) is not a string"
            }
        }

        /// The case without its details, to log each kind of malformed message once.
        public var kind: String {
            switch self {
            case .tooLarge: "too_large"
            case .notJSON: "not_json"
            case .messageNotJSON: "message_not_json"
            case .notAnObject: "not_an_object"
            case .badEnvelope: "bad_envelope"
            case .missingEventType: "missing_event_type"
            case .missingPayload: "missing_payload"
            case .notAString: "not_a_string"
            }
        }
    }

    /// The envelope version oslo.messaging writes, and the only one it defines.
    static let envelopeVersion = "2.0"

    public var eventType: String
    public var payload: JSONValue
    public var publisherID: String?
    public var priority: String?
    /// oslo's `str(utcnow())`, e.g. `2026-12-07 01:10:00.000001` (UTC, no zone), kept as written.
    public var timestamp: String?
    public var messageID: String?
    /// The `_context_*` members without their prefix (`request_id`, `project_id`...).
    public var context: JSONObject

    /// Reads a delivery body of at most `maximumSize` bytes; the JSON reader's nesting limit
    /// applies to the body and to the enveloped message alike.
    public init(decoding body: ByteBuffer, maximumSize: Int) throws(Malformed) {
        guard body.readableBytes <= maximumSize else {
            throw .tooLarge(size: body.readableBytes, limit: maximumSize)
        }
        try self.init(message: Self.unwrap(Self.object(in: body, parseError: Malformed.notJSON)))
    }

    /// The JSON object in `buffer`; a text that is not JSON throws `parseError(error)`.
    private static func object(in buffer: ByteBuffer, parseError: (JSONParseError) -> Malformed) throws(Malformed) -> JSONObject {
        let parsed: JSONValue
        do throws(JSONParseError) {
            parsed = try JSONValue(parsing: buffer)
        } catch {
            throw parseError(error)
        }
        guard let object = parsed.objectValue else { throw .notAnObject }
        return object
    }

    /// The message inside a v2 envelope, or `object` itself when it is a v1 message. Either
    /// envelope key makes it an envelope, so a half envelope is reported as such rather than as
    /// a message without `event_type`.
    private static func unwrap(_ object: JSONObject) throws(Malformed) -> JSONObject {
        guard object["oslo.version"] != nil || object["oslo.message"] != nil else { return object }
        guard let version = object["oslo.version"]?.stringValue else {
            throw .badEnvelope("oslo.version is missing or not a string")
        }
        guard version == Self.envelopeVersion else { throw .badEnvelope("unsupported oslo.version \(version)") }
        guard let text = object["oslo.message"]?.stringValue else {
            throw .badEnvelope("oslo.message is missing or not a string")
        }
        return try Self.object(in: ByteBuffer(string: text), parseError: Malformed.messageNotJSON)
    }

    private init(message: JSONObject) throws(Malformed) {
        guard let eventType = message["event_type"]?.stringValue, !eventType.isEmpty else { throw .missingEventType }
        guard let payload = message["payload"] else { throw .missingPayload }
        self.eventType = eventType
        self.payload = payload
        self.publisherID = try Self.optionalString("publisher_id", in: message)
        self.priority = try Self.optionalString("priority", in: message)
        self.timestamp = try Self.optionalString("timestamp", in: message)
        self.messageID = try Self.optionalString("message_id", in: message)
        self.context = JSONObject(
            message.compactMap { member in
                member.key.hasPrefix("_context_") ? (String(member.key.dropFirst("_context_".count)), member.value) : nil
            })
    }

    /// Absent and `null` are accepted (older publishers leave some out); any other non-string is
    /// a malformed message.
    private static func optionalString(_ key: String, in message: JSONObject) throws(Malformed) -> String? {
        switch message[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw .notAString(field: key)
        }
    }
}
