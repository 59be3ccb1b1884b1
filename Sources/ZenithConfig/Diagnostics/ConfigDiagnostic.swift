/// One complaint about the config file or the routes file, pointing at the line it is about.
///
/// Produced by `ConfigurationLoader`; `zenith check` and a refused reload print these, one a line,
/// in the `file:line: severity: message` shape that compilers and `nginx -t` use, so editors and
/// terminals can jump to the place.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Whether the configuration can be used despite the diagnostic.
    public enum Severity: String, Sendable, Hashable {
        /// The configuration is refused.
        case error
        /// The configuration is used, but probably does not do what was meant.
        case warning
    }

    /// The file the diagnostic is about, as it was named to the loader.
    public var file: String
    /// 1-based line number, or 0 when the complaint is about the file as a whole.
    public var line: Int
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    /// `file:line: error: message`; without `:line` when the line is unknown.
    public var description: String {
        let location = line > 0 ? "\(file):\(line)" : file
        return "\(location): \(severity.rawValue): \(message)"
    }
}
