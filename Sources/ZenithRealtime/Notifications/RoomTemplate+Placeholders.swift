extension RoomTemplate {
    /// The names inside the template's `{...}` placeholders, in order; nil when a `{` is never
    /// closed or a placeholder is empty. `fill(with:)` keeps such text literally, which suits a
    /// room policy but in a `[[notify]]` room is a typo to report when the rule is made.
    var placeholderNames: [String]? {
        var names: [String] = []
        var rest = self.text[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let name = rest[rest.index(after: open)..<close]
            guard !name.isEmpty else { return nil }
            names.append(String(name))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
