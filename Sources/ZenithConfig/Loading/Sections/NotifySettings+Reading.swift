extension NotifySettings {
    /// Members every pushed event has, which a field must not replace.
    static let reservedFieldNames: Set<String> = ["event_type", "timestamp"]

    /// Reads one `[[notify]]` entry; `name`, `exchange`, `events` and `room` are required.
    /// `takenNames` holds the names of the entries before this one, and gets this one's;
    /// `watches` are the `[[watch]]` entries, which `watch` must name.
    init?(
        reading section: inout ConfigSectionReader, hasNotifications: Bool, watches: [WatchSettings],
        takenNames: inout Set<String>
    ) {
        let name = section.readRequired("name", as: .string)
        let exchange = section.readRequired("exchange", as: .string)
        let topic = section.read("topic", as: .string) ?? "notifications"
        let events = section.readRequired("events", as: .list(of: .string, nonEmpty: true))
        let room = section.readRequired("room", as: .string)
        var fieldsSection = section.section("fields")
        let fields = fieldsSection.readAllStrings().map { Field(name: $0.key, path: $0.value) }
        fieldsSection.finish()
        let watch = section.read("watch", as: .string)

        if !hasNotifications {
            section.report("[[notify]] needs [notifications]: it says which message bus to consume")
        }
        if let name, name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) {
            section.report("name '\(name)' must be letters, digits, '_', '-' or '.'", at: "name")
        }
        if let name, !takenNames.insert(name).inserted {
            section.report("a notify named '\(name)' is already defined", at: "name")
        }
        for (key, value) in [("exchange", exchange ?? "x"), ("topic", topic)] where !Self.isAMQPName(value) {
            section.report("\(key) must be 1 to 255 letters, digits, '-', '_', '.' or ':'", at: key)
        }
        if let events, events.contains(where: \.isEmpty) {
            section.report("an event pattern is empty", at: "events")
        }
        if let room, let problem = Self.roomProblem(room) {
            section.report(problem, at: "room")
        }
        for field in fields {
            if field.name.isEmpty {
                section.report("a field name is empty", at: "fields")
            } else if Self.reservedFieldNames.contains(field.name) {
                section.report("field '\(field.name)' would replace the event's own \(field.name)", at: "fields")
            } else if !Self.isDottedPath(field.path) {
                section.report("field '\(field.name)': '\(field.path)' is not a dotted path such as payload.key", at: "fields")
            }
        }
        if let watch, !watches.contains(where: { $0.name == watch }) {
            section.report("watch '\(watch)' names no [[watch]] entry", at: "watch")
        }
        guard let name, let exchange, let events, let room else { return nil }
        self.init(name: name, exchange: exchange, topic: topic, events: events, room: room, fields: fields, watch: watch)
    }

    /// Exchange and topic names as RabbitMQ and oslo write them (AMQP short strings).
    static func isAMQPName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
    }

    /// `a.b.c`: no empty segment.
    static func isDottedPath(_ path: some StringProtocol) -> Bool {
        !path.isEmpty && !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
    }

    /// Why `room` cannot be a room template over payload paths, or nil when it can.
    static func roomProblem(_ room: String) -> String? {
        guard !room.isEmpty else { return "room is empty" }
        var rest = room[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return "room '\(room)' has a '{' without '}'" }
            let path = rest[rest.index(after: open)..<close]
            guard Self.isDottedPath(path), !path.contains("{") else { return "room placeholder '{\(path)}' is not a dotted path such as {payload.key}" }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }
}
