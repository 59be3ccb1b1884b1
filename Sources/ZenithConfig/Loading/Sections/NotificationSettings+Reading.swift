import Foundation
import ZenithAMQP

extension NotificationSettings {
    /// Reads `[notifications]`; `transport_url_file` is required, and the URL in it must parse
    /// (checked here, without connecting, so that `zenith check` reports it). Messages about the
    /// URL come from `AMQPTransportURL`, which never repeats the password.
    init?(reading section: inout ConfigSectionReader, configFile: String) {
        let urlFile = section.readRequired("transport_url_file", as: .string).map { ConfigPath.resolve($0, relativeTo: configFile) }
        let caFile = section.read("ca_file", as: .string).map { ConfigPath.resolve($0, relativeTo: configFile) }
        let prefetch = section.read("prefetch", as: .integer(1...65535)) ?? 100
        let heartbeat = section.read("heartbeat", as: .positiveDuration) ?? .seconds(30)
        let maxMessageBytes = section.read("max_message_bytes", as: .size(1024...(16 << 20))).map { Int($0) } ?? 1 << 20

        if let caFile, FileKind(atPath: caFile) != .file {
            section.report("ca_file '\(caFile)' does not exist or is not a file", at: "ca_file")
        }
        if heartbeat < .seconds(1) || heartbeat > .seconds(65535) {
            section.report("heartbeat must be from 1s to 65535s (AMQP counts it in whole seconds)", at: "heartbeat")
        }
        guard let urlFile, let url = Self.transportURL(in: urlFile, section: section) else { return nil }
        if caFile != nil && !url.useTLS {
            section.report("ca_file is used only with ?ssl=1 in the transport URL", at: "ca_file", severity: .warning)
        }
        self.init(
            transportURLFile: urlFile, transportURL: url, caFile: caFile, prefetch: prefetch, heartbeat: heartbeat,
            maxMessageBytes: maxMessageBytes
        )
    }

    /// The URL in `file`, or nil after reporting why there is none.
    private static func transportURL(in file: String, section: ConfigSectionReader) -> AMQPTransportURL? {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            section.report("cannot read transport_url_file '\(file)': \(error.reason)", at: "transport_url_file")
            return nil
        }
        if let permissions = (try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? Int,
           permissions & 0o004 != 0 {
            section.report(
                "transport_url_file '\(file)' is readable by every user, and holds the broker's password",
                at: "transport_url_file", severity: .warning
            )
        }
        do {
            return try AMQPTransportURL(parsing: text)
        } catch {
            section.report("transport_url_file '\(file)': \(error)", at: "transport_url_file")
            return nil
        }
    }
}
