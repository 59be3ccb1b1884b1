import ZenithConfig
import ZenithJSON

/// One `[[notify]]` section of issue 15, the part that decides what a notification becomes:
/// which event types it takes, the room to push to, and what of the payload goes out.
///
/// Made from the loader's `NotifySettings` and used by ``NotificationRouter``. The section's
/// `exchange`, `topic` and `watch` keys belong to ``NotificationConsumer`` and the watchers and
/// are not part of this value.
///
/// - `room` is a template whose `{placeholders}` are ``PayloadPath``s into the payload
///   (`project:{nova_object.data.tenant_id}`); a template without placeholders is a fixed room
///   (an admin dashboard's, say). A placeholder that leads nowhere, to an empty string, or to
///   something other than a string or a number leaves the rule without a push: a room is never
///   made wider by leaving a value out.
/// - `fields` maps each name sent to a path in the payload. The pushed data is `event_type`,
///   `timestamp` and these fields only, so hosts and admin fields stay out; a rule without
///   `fields` sends just `event_type` and `timestamp` (enough to say "something changed"). A
///   field whose path leads nowhere is sent as `null`, so the browser always sees the same keys
///   (Nova itself writes `null` for an unset `task_state`).
public struct NotificationRule: Sendable {
    /// Why a rule cannot be made; the text names the offending key for `zenith check`.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// One entry of `fields`: the name in the pushed data and where its value is in the payload.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var path: PayloadPath
    }

    /// Members every pushed event has, which a field must not replace.
    static let reservedFieldNames: Set<String> = ["event_type", "timestamp"]

    public let name: String
    public let events: [EventTypeGlob]
    public let room: RoomTemplate
    public let fields: [Field]
    /// The room's placeholders, read once when the rule is made.
    private let roomPaths: [PayloadPath]

    /// `fields` is in the order the pushed data lists them.
    public init(name: String, events: [String], room: String, fields: [(name: String, path: String)] = []) throws(Invalid) {
        // The name becomes a Socket.IO event name and a metrics label: keep it plain.
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }) else {
            throw Invalid(description: "notify name '\(name)' must be letters, digits, '_', '-' or '.'")
        }
        guard !events.isEmpty else { throw Invalid(description: "notify '\(name)': events is empty") }
        var globs: [EventTypeGlob] = []
        for pattern in events {
            guard let glob = EventTypeGlob(pattern) else { throw Invalid(description: "notify '\(name)': an event pattern is empty") }
            globs.append(glob)
        }
        let template = RoomTemplate(room)
        guard !room.isEmpty, let placeholders = template.placeholderNames else {
            throw Invalid(description: "notify '\(name)': room '\(room)' is empty or has an empty or unclosed {placeholder}")
        }
        var roomPaths: [PayloadPath] = []
        for placeholder in placeholders {
            guard let path = PayloadPath(placeholder) else {
                throw Invalid(description: "notify '\(name)': room placeholder '{\(placeholder)}' is not a dotted path")
            }
            roomPaths.append(path)
        }
        var selected: [Field] = []
        for (fieldName, pathText) in fields {
            guard !fieldName.isEmpty, !Self.reservedFieldNames.contains(fieldName), !selected.contains(where: { $0.name == fieldName }) else {
                throw Invalid(description: "notify '\(name)': field name '\(fieldName)' is empty, repeated, or one of event_type and timestamp")
            }
            guard let path = PayloadPath(pathText) else {
                throw Invalid(description: "notify '\(name)': field '\(fieldName)' has no dotted path ('\(pathText)')")
            }
            selected.append(Field(name: fieldName, path: path))
        }
        self.name = name
        self.events = globs
        self.room = template
        self.roomPaths = roomPaths
        self.fields = selected
    }

    /// The Socket.IO event sockets receive.
    public var eventName: String { "notify:\(name)" }

    /// Whether one of `events` matches `eventType`.
    public func matches(eventType: String) -> Bool {
        events.contains { $0.matches(eventType) }
    }

    /// The room filled from `payload`, or why it cannot be.
    func fillRoom(from payload: JSONValue) -> Result<String, NotificationSkip.Reason> {
        var values: [String: String] = [:]
        for path in roomPaths {
            switch path.value(in: payload) {
            case nil: return .failure(.roomPathMissing(path.text))
            case .string(let text)? where !text.isEmpty: values[path.text] = text
            case .string?: return .failure(.roomValueUnusable(path: path.text, found: "an empty string"))
            case .int(let number)?: values[path.text] = String(number)
            case .double(let number)?: values[path.text] = JSONValue.double(number).jsonText
            case .null?: return .failure(.roomValueUnusable(path: path.text, found: "null"))
            case .bool?: return .failure(.roomValueUnusable(path: path.text, found: "a boolean"))
            case .array?, .binary?: return .failure(.roomValueUnusable(path: path.text, found: "an array"))
            case .object?: return .failure(.roomValueUnusable(path: path.text, found: "an object"))
            }
        }
        // Room policy's filling, fed the payload's values under their placeholder names, so both
        // kinds of rooms are made by one rule. Every value is present and non-empty here, so this
        // guard only keeps a future change of that rule from ever widening a room.
        guard let filled = room.fill(with: Identity(fields: values, roles: [], token: nil)) else {
            return .failure(.roomPathMissing(room.text))
        }
        return .success(filled)
    }

    /// The pushed data: `event_type`, `timestamp` (null when the publisher left it out) and the
    /// selected fields.
    func data(for notification: OsloNotification) -> JSONValue {
        var data = JSONObject()
        data["event_type"] = .string(notification.eventType)
        data["timestamp"] = notification.timestamp.map(JSONValue.string) ?? .null
        for field in fields {
            data[field.name] = field.path.value(in: notification.payload) ?? .null
        }
        return .object(data)
    }
}

extension NotificationRule {
    /// The rule of a `[[notify]]` entry (which the loader has checked already).
    public init(settings: NotifySettings) throws(Invalid) {
        try self.init(
            name: settings.name, events: settings.events, room: settings.room,
            fields: settings.fields.map { (name: $0.name, path: $0.path) }
        )
    }
}
