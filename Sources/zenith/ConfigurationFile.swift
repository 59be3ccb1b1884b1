import ArgumentParser
import ZenithConfig

#if canImport(Glibc)
import Glibc
#endif

/// Loads the config for a command, printing every diagnostic to stderr; a config with errors ends
/// the command with exit status 2.
enum ConfigurationFile {
    static func load(_ path: String) throws -> LoadedConfiguration {
        do {
            let loaded = try ConfigurationLoader.load(configPath: path)
            for warning in loaded.warnings {
                printToStandardError(warning.description)
            }
            return loaded
        } catch {
            for diagnostic in error.diagnostics {
                printToStandardError(diagnostic.description)
            }
            throw ExitCode(ExitStatus.badConfiguration)
        }
    }
}
