extension RealtimeAuthSettings {
    static let defaultFields = ["id": "id", "project_id": "project_id", "name": "username", "roles": "roles"]

    /// Reads `[realtime.auth]`; `upstream` and `endpoint` are required, the rest has Horizon's
    /// defaults. Room templates may only name identity fields.
    init?(reading section: inout ConfigSectionReader, upstreamNames: Set<String>) {
        let upstream = section.readRequired("upstream", as: .string)
        let endpoint = section.readRequired("endpoint", as: .string)
        let cookies = section.read("cookies", as: .list(of: .string, nonEmpty: true)) ?? ["sessionid"]
        let headers = section.readHeaderTable("headers", default: ["X-Requested-With": "XMLHttpRequest"])
        var fieldsSection = section.section("fields")
        var fields = Self.defaultFields
        for (name, key) in fieldsSection.readAllStrings() {
            fields[name] = key
        }
        fieldsSection.finish()
        let cacheTTL = section.read("cache_ttl", as: .positiveDuration) ?? .seconds(30)
        let negativeTTL = section.read("negative_ttl", as: .positiveDuration) ?? .seconds(5)
        let revalidate = section.read("revalidate", as: .positiveDuration) ?? .seconds(300)
        let timeout = section.read("timeout", as: .positiveDuration) ?? .seconds(5)
        let rooms = section.read("rooms", as: .list(of: .string)) ?? ["user:{id}", "project:{project_id}"]
        let subscribe = section.read("subscribe", as: .list(of: .string)) ?? []

        guard let upstream, let endpoint else { return nil }
        if !upstreamNames.contains(upstream) {
            section.report("unknown upstream '\(upstream)' in [realtime.auth]", at: "upstream")
        }
        if !endpoint.hasPrefix("/") {
            section.report("endpoint must be a path starting with '/'", at: "endpoint")
        } else if !HTTPFieldSyntax.isRequestTarget(endpoint) {
            section.report("endpoint must hold no spaces or control characters", at: "endpoint")
        }
        for (key, templates) in [("rooms", rooms), ("subscribe", subscribe)] {
            for template in templates {
                for name in Self.placeholders(in: template) where fields[name] == nil {
                    section.report("'{\(name)}' in '\(template)' is not an identity field", at: key)
                }
            }
        }
        self.init(
            upstream: upstream, endpoint: endpoint, cookies: cookies, headers: headers, cacheTTL: cacheTTL,
            negativeTTL: negativeTTL, revalidate: revalidate, timeout: timeout, fields: fields, rooms: rooms,
            subscribe: subscribe
        )
    }

    /// The `{name}` placeholders of a room template.
    static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
