/// Why a configuration was refused: every error found in the config file and its routes file.
///
/// Thrown by `ConfigurationLoader.load(configPath:)`. The loader keeps going after the first problem
/// so that one `zenith check` run shows everything that needs fixing; warnings found on the way are
/// included too, in file and line order.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic a line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
