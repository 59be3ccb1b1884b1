import ArgumentParser

/// The `zenith` command: realtime front proxy for Django dashboards.
@main
struct Zenith: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zenith",
        abstract: "Realtime front proxy for Django dashboards served by Apache mod_wsgi.",
        version: BuildInfo.versionLine,
        subcommands: [RunCommand.self, CheckCommand.self, DemoCommand.self, ConformanceCommand.self]
    )
}

/// Exit codes of the DESIGN.md contract.
enum ExitStatus {
    static let runtimeFailure: Int32 = 1
    static let badConfiguration: Int32 = 2
}
