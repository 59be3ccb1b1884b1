/// What `ConfigurationLoader` returns for files without errors: the `ZenithConfiguration`, with the
/// warnings found while reading it.
///
/// Returned by `ConfigurationLoader.load(configPath:)`; the caller decides where warnings go
/// (`zenith check` prints them, `zenith run` logs them).
public struct ValidatedConfiguration: Sendable {
    public var configuration: ZenithConfiguration
    public var warnings: [ConfigDiagnostic]

    public init(configuration: ZenithConfiguration, warnings: [ConfigDiagnostic]) {
        self.configuration = configuration
        self.warnings = warnings
    }
}
