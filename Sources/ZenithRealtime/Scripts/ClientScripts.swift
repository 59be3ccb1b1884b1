import Crypto
import NIOCore
import NIOHTTP1
import ZenithProxy

/// Zenith's own browser scripts, served below the realtime path (`/socket.io/zenith.js`,
/// `/socket.io/zenith-horizon.js`) from memory, with an ETag so that browsers revalidate cheaply.
enum ClientScripts {
    private struct Script {
        let body: ByteBuffer
        let etag: String

        init(_ source: String) {
            self.body = ByteBuffer(string: source)
            let digest = SHA256.hash(data: Array(source.utf8))
            self.etag = "\"" + digest.prefix(12).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined() + "\""
        }
    }

    private static let scripts: [String: Script] = [
        "zenith.js": Script(ZenithClientScript.source),
        // The Horizon glue needs the client: both in one file, so that an injected page makes one request.
        "zenith-horizon.js": Script(ZenithClientScript.source + "\n" + ZenithHorizonScript.source),
    ]

    /// The answer for a GET or HEAD of one of the scripts, nil for any other request.
    static func response(for head: HTTPRequestHead) -> RealtimeResponse? {
        guard head.method == .GET || head.method == .HEAD else { return nil }
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        guard let slash = path.lastIndex(of: "/"), let script = Self.scripts[String(path[path.index(after: slash)...])]
        else { return nil }
        var headers = HTTPHeaders()
        headers.add(name: "etag", value: script.etag)
        headers.add(name: "cache-control", value: "no-cache")
        if head.headers.first(name: "if-none-match") == script.etag {
            return RealtimeResponse(status: .notModified, headers: headers, body: ByteBuffer())
        }
        headers.add(name: "content-type", value: "text/javascript; charset=utf-8")
        return RealtimeResponse(status: .ok, headers: headers, body: script.body)
    }
}
