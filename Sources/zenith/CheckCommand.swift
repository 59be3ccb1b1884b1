import ArgumentParser
import ZenithConfig

/// `zenith check`: parse and validate config and routes, print the resolved routes, like `nginx -t`.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and routes files and print the resolved routes."
    )

    @Option(name: .long, help: "Path of the config file.")
    var config: String = "/etc/zenith/zenith.toml"

    /// Read the file in this process (`ConfigurationPreflight`'s child), not in a child of its own.
    @Flag(name: .customLong(String(ConfigurationPreflight.childFlag.dropFirst(2))), help: .hidden)
    var inProcess = false

    func run() throws {
        let loaded = try CommandConfigurationLoader.load(self.config, preflight: !self.inProcess)
        print(loaded.configuration.routes.render())
        print("\(self.config): configuration is valid")
    }
}
