#if canImport(Glibc)
import Glibc
#endif

extension ClusterSettings {
    /// Reads `[cluster]`; `redis` and `advertise` are required. `hostName` stands in for the
    /// machine's host name (tests).
    init?(reading section: inout ConfigSectionReader, configFile: String, hostName: String = ClusterSettings.machineHostName()) {
        let redis = section.readRequired("redis", as: .string)
        let passwordFile = section.read("password_file", as: .string).map { ConfigPath.resolve($0, relativeTo: configFile) }
        let caFile = section.read("ca_file", as: .string).map { ConfigPath.resolve($0, relativeTo: configFile) }
        let writtenNode = section.read("node", as: .string)
        let advertise = section.readRequired("advertise", as: .hostAndPort())
        let prefix = section.read("prefix", as: .string) ?? "zenith"
        let pythonChannel = section.read("python_channel", as: .string) ?? "socketio"
        let emitterKey = section.read("emitter_key", as: .string) ?? "socket.io"

        if let redis {
            if !redis.hasPrefix("redis://") && !redis.hasPrefix("rediss://") {
                section.report("redis must be a redis:// or rediss:// URL", at: "redis")
            } else if Self.userInfo(ofURL: redis)?.contains(":") == true {
                section.report(
                    "redis holds a password: put it in password_file instead, so that it stays out of the config",
                    at: "redis", severity: .warning
                )
            }
            if caFile != nil && !redis.hasPrefix("rediss://") {
                section.report("ca_file is used only with a rediss:// URL", at: "ca_file", severity: .warning)
            }
        }
        for (key, path) in [("password_file", passwordFile), ("ca_file", caFile)] {
            if let path, FileKind(atPath: path) != .file {
                section.report("\(key) '\(path)' does not exist or is not a file", at: key)
            }
        }
        let node = writtenNode ?? Self.defaultNodeName(hostName: hostName)
        if !Self.isValidNodeName(node) {
            section.report(
                writtenNode == nil
                    ? "the host name '\(hostName)' cannot be a node name: set node (letters, digits, '-', '_', at most 32)"
                    : "node must be letters, digits, '-' or '_', at most 32 characters",
                at: writtenNode == nil ? nil : "node"
            )
        }
        if let advertise, advertise.host == "0.0.0.0" || advertise.host == "::" || advertise.port == 0 {
            section.report("advertise must be an address the other nodes can reach, not a wildcard", at: "advertise")
        }
        for (key, value) in [("prefix", prefix), ("python_channel", pythonChannel), ("emitter_key", emitterKey)]
        where value.isEmpty || value.utf8.count > 64 || !value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "*" }) {
            section.report("\(key) must be 1 to 64 printable ASCII characters without spaces or '*'", at: key)
        }
        guard let redis, let advertise else { return nil }
        self.init(
            redis: redis, passwordFile: passwordFile, caFile: caFile, node: node, advertise: advertise, prefix: prefix,
            pythonChannel: pythonChannel, emitterKey: emitterKey
        )
    }

    /// The `user:password` part of a URL's authority, if any.
    private static func userInfo(ofURL url: String) -> Substring? {
        guard let scheme = url.range(of: "://") else { return nil }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        return authority[..<at]
    }

    /// The default node name: the host name up to its first dot (`ctl1` for `ctl1.example.com`).
    static func defaultNodeName(hostName: String) -> String {
        String(hostName.prefix { $0 != "." })
    }

    /// The machine's host name (`gethostname`), or "" when it cannot be read.
    static func machineHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
