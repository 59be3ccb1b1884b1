import ArgumentParser
import ZenithConfig
import ZenithProxy

#if canImport(Glibc)
import Glibc
#endif

/// Loads the config for a command (`run`, `check`, `demo`, `conformance`), printing every
/// diagnostic to stderr; a config with errors ends the command with exit status 2.
enum CommandConfigurationLoader {
    /// - Parameter preflight: read the file in a child process first (`ConfigurationPreflight`);
    ///   off for files Zenith wrote itself.
    static func load(_ path: String, preflight: Bool) throws -> ValidatedConfiguration {
        if preflight {
            do {
                try ConfigurationPreflight.check(path)
            } catch let crash as ConfigurationPreflight.Crash {
                printToStandardError(crash.description)
                throw ExitCode(ExitStatus.badConfiguration)
            }
        }
        do {
            let loaded = try ConfigurationLoader.load(configPath: path)
            for warning in loaded.warnings {
                printToStandardError(warning.description)
            }
            // The certificate and key must be usable, not just present: a bad pair is a config
            // error now rather than a failure on the first TLS handshake.
            if let files = loaded.configuration.tls {
                do {
                    _ = try TLSContextFactory.makeContext(files)
                } catch {
                    printToStandardError(error.description)
                    throw ExitCode(ExitStatus.badConfiguration)
                }
            }
            return loaded
        } catch let error as ConfigurationError {
            for diagnostic in error.diagnostics {
                printToStandardError(diagnostic.description)
            }
            throw ExitCode(ExitStatus.badConfiguration)
        }
    }
}
