import Logging
import NIOCore
import NIOHTTP1

/// Writes one line per answered request: client, method, path with secret-looking query values
/// masked, status, body bytes, total and upstream time, and the route's file:line.
/// Cookies and Authorization are never part of the line because headers never are.
///
/// `structured` (`[log] format = "json"`) writes the same as named fields instead of one line:
/// `client`, `method`, `target`, `protocol`, `status` (0: none sent), `bytes`, `rt` and `urt`
/// (seconds, urt absent without an upstream), `route` (`file:line` or `-`), `aborted`.
struct AccessLog {
    let logger: Logger
    var structured = false

    func record(_ summary: RequestSummary, client: SocketAddress?, aborted: Bool) {
        let elapsed = NIODeadline.now() - summary.startedAt
        guard !self.structured else {
            var fields: Logger.Metadata = [
                "client": "\(client?.ipAddress ?? "-")", "method": "\(summary.method.rawValue)",
                "target": "\(Self.maskingSecrets(in: summary.uri))",
                "protocol": "HTTP/\(summary.version.major).\(summary.version.minor)",
                "status": .stringConvertible(Int(summary.status)), "bytes": .stringConvertible(summary.responseBodyBytes),
                "rt": .stringConvertible(Double(elapsed.nanoseconds) / 1e9),
                "route": "\(summary.route.map { "\($0.rule.file):\($0.rule.line)" } ?? "-")",
                "aborted": .stringConvertible(aborted),
            ]
            if let upstream = summary.upstreamTime {
                fields["urt"] = .stringConvertible(Double(upstream.nanoseconds) / 1e9)
            }
            self.logger.info("request", metadata: fields)
            return
        }
        var line = client?.ipAddress ?? "-"
        line += " \""
        line += summary.method.rawValue
        line += " "
        line += Self.maskingSecrets(in: summary.uri)
        line += " HTTP/\(summary.version.major).\(summary.version.minor)\" "
        line += summary.status == 0 ? "-" : String(summary.status)
        line += " "
        line += String(summary.responseBodyBytes)
        line += " rt="
        line += Self.seconds(elapsed)
        line += " urt="
        line += summary.upstreamTime.map(Self.seconds) ?? "-"
        line += " route="
        line += summary.route.map { "\($0.rule.file):\($0.rule.line)" } ?? "-"
        if aborted {
            line += " aborted"
        }
        self.logger.info("\(line)")
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let millis = amount.nanoseconds / 1_000_000
        let fraction = millis % 1000
        return "\(millis / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + String(fraction)
    }

    /// Query parameter names that commonly carry credentials; their values are written as `***`.
    private static let secretNameFragments = ["token", "pass", "secret", "key", "auth", "sig", "session", "cred"]
    /// Query parameters masked by their exact name: the Engine.IO session id is a bearer
    /// credential (whoever has it can poll the session's events).
    private static let secretNames: Set<String> = ["sid"]

    static func maskingSecrets(in uri: String) -> String {
        guard let questionMark = uri.firstIndex(of: "?") else { return uri }
        var result = String(uri[...questionMark])
        var first = true
        for pair in uri[uri.index(after: questionMark)...].split(separator: "&", omittingEmptySubsequences: false) {
            if !first { result += "&" }
            first = false
            guard let equals = pair.firstIndex(of: "=") else {
                result += pair
                continue
            }
            let name = pair[..<equals].lowercased()
            if Self.secretNames.contains(name) || Self.secretNameFragments.contains(where: { name.contains($0) }) {
                result += pair[...equals]
                result += "***"
            } else {
                result += pair
            }
        }
        return result
    }
}
