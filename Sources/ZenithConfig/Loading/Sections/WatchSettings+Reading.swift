extension WatchSettings {
    /// Shortest poll interval accepted: below it a watcher would poll the dashboard harder than the
    /// browsers it replaces.
    static let minimumInterval = Duration.milliseconds(100)

    /// Reads one `[[watch]]` entry. `name`, `upstream`, `path`, `key`, `fields` and `room` are
    /// required; a watcher needs `[realtime.auth]` (it polls with a member's session), and its room
    /// must name an identity field, so that one scope never mixes sessions that see different data.
    /// `takenNames` holds the names of the entries before this one, and gets this one's.
    init?(
        reading section: inout ConfigSectionReader, upstreamNames: Set<String>, auth: RealtimeAuthSettings?,
        takenNames: inout Set<String>
    ) {
        let name = section.readRequired("name", as: .string)
        let upstream = section.readRequired("upstream", as: .string)
        let path = section.readRequired("path", as: .string)
        let headers = section.readHeaderTable("headers", default: ["X-Requested-With": "XMLHttpRequest"])
        let items = section.read("items", as: .string) ?? "items"
        let key = section.readRequired("key", as: .string)
        let fields = section.readRequired("fields", as: .list(of: .string, nonEmpty: true))
        let interval = section.read("interval", as: .positiveDuration) ?? .seconds(2)
        let idleInterval = section.read("idle_interval", as: .positiveDuration)
        let room = section.readRequired("room", as: .string)
        let timeout = section.read("timeout", as: .positiveDuration) ?? .seconds(10)
        let maxResponseBytes = section.read("max_response_bytes", as: .size(1024...(64 << 20))).map { Int($0) } ?? 8 << 20

        if let name, name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) {
            section.report("name '\(name)' must be letters, digits, '_', '-' or '.'", at: "name")
        }
        if let name, !takenNames.insert(name).inserted {
            section.report("a watch named '\(name)' is already defined", at: "name")
        }
        if let upstream, !upstreamNames.contains(upstream) {
            section.report("unknown upstream '\(upstream)' in \(section.displayName)", at: "upstream")
        }
        if let path, !path.hasPrefix("/") {
            section.report("path must start with '/'", at: "path")
        } else if let path, !HTTPFieldSyntax.isRequestTarget(path) {
            section.report("path must hold no spaces or control characters", at: "path")
        }
        if key?.isEmpty == true {
            section.report("key must name the item field that identifies an object", at: "key")
        }
        if interval < Self.minimumInterval {
            section.report("interval must be at least 100ms", at: "interval")
        }
        if let idleInterval, idleInterval < interval {
            section.report("idle_interval must not be shorter than interval", at: "idle_interval")
        }
        if let auth, let room {
            let placeholders = RealtimeAuthSettings.placeholders(in: room)
            if placeholders.isEmpty {
                section.report("room '\(room)' must name an identity field such as {project_id}", at: "room")
            }
            for placeholder in placeholders where auth.fields[placeholder] == nil {
                section.report("'{\(placeholder)}' in '\(room)' is not an identity field", at: "room")
            }
        } else if auth == nil {
            section.report("[[watch]] needs [realtime.auth]: a watcher polls with an authenticated socket's session")
        }
        guard let name, let upstream, let path, let key, let fields, let room else { return nil }
        self.init(
            name: name, upstream: upstream, path: path, headers: headers, items: items, key: key, fields: fields,
            interval: interval, idleInterval: idleInterval, room: room, timeout: timeout, maxResponseBytes: maxResponseBytes
        )
    }
}
