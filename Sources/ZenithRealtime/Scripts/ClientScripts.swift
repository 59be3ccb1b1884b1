import Crypto
import NIOCore
import NIOHTTP1
import ZenithProxy
import ZenithText

/// Zenith's own browser scripts, served below the realtime path (`/socket.io/zenith.js`,
/// `/socket.io/zenith-horizon.js`) from memory, with an ETag so that browsers revalidate cheaply.
///
/// The sources are `zenith.js` (the Engine.IO v4 / Socket.IO v5 client: polling and WebSocket
/// with the upgrade, heartbeats, acks, binary attachments, reconnection that re-joins the page's
/// rooms) and `zenith-horizon.js` (the Horizon glue of issue #6, live table rows; its `watch` event
/// is answered by `WatchRequestHandler`) next to this file: plain ES2017 without dependencies or a
/// build step, compiled into the binary as SwiftPM resources (`embedInCode`) so that nothing is
/// looked up on disk at run time. They are served byte for byte, which is why the files end
/// without a newline: their bytes, and so their ETags, are those of the Swift string literals they
/// once were.
enum ClientScripts {
    private struct Script {
        let body: ByteBuffer
        let etag: String

        init(_ source: [UInt8]) {
            self.body = ByteBuffer(bytes: source)
            let digest = SHA256.hash(data: source)
            self.etag = "\"" + digest.prefix(12).lowercaseHexString + "\""
        }
    }

    private static let scripts: [String: Script] = [
        "zenith.js": Script(PackageResources.zenith_js),
        // The Horizon glue needs the client: both in one file, so that an injected page makes one request.
        "zenith-horizon.js": Script(
            PackageResources.zenith_js + [UInt8(ascii: "\n")] + PackageResources.zenith_horizon_js),
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
