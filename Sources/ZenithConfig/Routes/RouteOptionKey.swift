/// The `key=value` options a routes-file rule may carry, and how each value is read.
enum RouteOptionKey: String, CaseIterable {
    case timeout
    case bodyBytes = "body_bytes"
    case maxAge = "max_age"
    case preserveHost = "preserve_host"
    case inject

    /// What the value should look like, completing "expected ...".
    var expectation: String {
        switch self {
        case .timeout: "a duration greater than zero, such as 30s"
        case .bodyBytes: "a size such as 10MiB"
        case .maxAge: "a duration such as 1d"
        case .preserveHost: "true or false"
        case .inject: "a path such as /zenith.js or an http(s) URL, without spaces, \", < or >"
        }
    }

    /// Stores `value` into `options`; false when the value is not valid for this key.
    func apply(_ value: Substring, to options: inout RouteOptions) -> Bool {
        switch self {
        case .timeout:
            guard let duration = DurationParser.parse(value), duration > .zero else { return false }
            options.timeout = duration
        case .bodyBytes:
            guard let bytes = SizeParser.parse(value) else { return false }
            options.bodyBytes = bytes
        case .maxAge:
            guard let duration = DurationParser.parse(value) else { return false }
            options.maxAge = duration
        case .preserveHost:
            guard let flag = Bool(String(value)) else { return false }
            options.preserveHost = flag
        case .inject:
            guard ScriptSourceSyntax.isValid(value) else { return false }
            options.inject = String(value)
        }
        return true
    }
}
