/// The config file being loaded: its name and line index, and the diagnostics found so far.
///
/// Shared by the `ConfigSectionReader`s of one load, which is why it is a class; it lives only for
/// the duration of `ConfigurationLoader.load` and never leaves it.
final class ConfigFileContext {
    let file: String
    let locator: TOMLKeyLocator
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String, text: String) {
        self.file = file
        self.locator = TOMLKeyLocator(text: text)
    }

    /// Records a problem on the line where `path` (tables then key) is written.
    func report(_ message: String, at path: [String], severity: ConfigDiagnostic.Severity = .error) {
        diagnostics.append(
            ConfigDiagnostic(file: file, line: locator.line(of: path) ?? 0, message: message, severity: severity))
    }
}
