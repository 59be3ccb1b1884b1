/// Resolves the paths written in a config file (`routes`, `[tls]` files), which are relative to the
/// config file's directory so that a config tree can be moved or tested in place.
enum ConfigPath {
    static func resolve(_ path: String, relativeTo configFile: String) -> String {
        guard !path.hasPrefix("/"), let slash = configFile.lastIndex(of: "/") else { return path }
        return configFile[...slash] + path
    }
}
