import TOMLKit

/// Reads a config file and the routes file it names into a validated `ZenithConfiguration`.
///
/// The one entry point for `zenith run`, `zenith check` and reloads. It never stops at the first
/// problem: every error of both files is collected, in file and line order, and thrown together.
public enum ConfigurationLoader {
    /// Default of the top-level `routes` key, relative to the config file's directory.
    static let defaultRoutesFile = "routes"

    public static func load(configPath: String) throws(ConfigurationError) -> ValidatedConfiguration {
        let text: String
        do {
            text = try TextFile.read(configPath)
        } catch {
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(file: configPath, line: 0, message: "cannot read: \(error.reason)")])
        }
        if let header = TOMLTableHeaderCheck.firstUnparsableHeader(in: text) {
            throw ConfigurationError(diagnostics: [
                ConfigDiagnostic(
                    file: configPath, line: header.line,
                    message: "TOML syntax error: a table header must start with a key, saw "
                        + Self.describe(header.found)
                )
            ])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw ConfigurationError(diagnostics: [syntaxDiagnostic(error, file: configPath)])
        }
        let context = ConfigFileContext(file: configPath, text: text)
        var topLevel = ConfigSectionReader(path: [], table: table, context: context)
        let settings = ConfigFileSections(reading: &topLevel, configFile: configPath)
        topLevel.finish()

        let routesPath = ConfigPath.resolve(settings.routesFile, relativeTo: configPath)
        var routes = RoutesFileParser.Result()
        do {
            let parser = RoutesFileParser(file: routesPath, upstreamNames: settings.upstreamNames)
            routes = parser.parse(try TextFile.read(routesPath))
        } catch {
            topLevel.report("cannot read routes file '\(routesPath)': \(error.reason)", at: "routes")
        }

        let diagnostics = context.diagnostics.sorted(by: inLineOrder) + routes.diagnostics
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ConfigurationError(diagnostics: diagnostics)
        }
        var upstreams = settings.upstreams
        for (name, address) in routes.implicitUpstreams {
            upstreams[name] = .withDefaults(name: name, servers: [address])
        }
        var configuration = ZenithConfiguration(
            sourcePath: configPath, listen: settings.listen, tls: settings.tls, limits: settings.limits,
            proxy: settings.proxy, upstreams: upstreams, log: settings.log, realtime: settings.realtime,
            publish: settings.publish, metrics: settings.metrics, watches: settings.watches, cluster: settings.cluster,
            routes: RouteTable(routes: routes.routes))
        configuration.notifications = settings.notifications
        configuration.notify = settings.notify
        return ValidatedConfiguration(configuration: configuration, warnings: diagnostics)
    }

    /// A byte of a config line as an error message names it.
    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\n"): "the end of the line"
        case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
        default: "the byte 0x" + String(byte, radix: 16, uppercase: true)
        }
    }

    private static func syntaxDiagnostic(_ error: any Error, file: String) -> ConfigDiagnostic {
        guard let parseError = error as? TOMLParseError else {
            return ConfigDiagnostic(file: file, line: 0, message: "TOML syntax error: \(error)")
        }
        return ConfigDiagnostic(
            file: file, line: parseError.source.begin.line, message: "TOML syntax error: \(parseError.description)")
    }

    /// Keeps diagnostics without a line (about the file as a whole) first and the rest by line;
    /// the sort is stable, so problems of one line stay in the order they were found.
    private static func inLineOrder(_ first: ConfigDiagnostic, _ second: ConfigDiagnostic) -> Bool {
        first.line < second.line
    }
}
