import Crypto
import NIOCore
import NIOHTTP1

/// The server half of the RFC 6455 opening handshake, for upgrades that arrive on any request of
/// a keep-alive connection (NIO's upgrade handler only looks at the first one).
enum WebSocketHandshake {
    /// RFC 6455 §1.3: the GUID appended to the client's key before hashing.
    private static let keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The 101's headers, or nil when the request is not a valid version-13 WebSocket handshake.
    static func acceptHeaders(for head: HTTPRequestHead) -> HTTPHeaders? {
        guard head.method == .GET,
            head.headers.first(name: "sec-websocket-version")?.trimmingCharacters(in: " \t") == "13",
            let key = head.headers.first(name: "sec-websocket-key")?.trimmingCharacters(in: " \t"),
            Base64.decode(key)?.count == 16
        else { return nil }
        let digest = Insecure.SHA1.hash(data: Array((key + Self.keyGUID).utf8))
        var headers = HTTPHeaders()
        headers.add(name: "upgrade", value: "websocket")
        headers.add(name: "connection", value: "upgrade")
        headers.add(name: "sec-websocket-accept", value: Base64.encode(Array(digest)))
        return headers
    }

    /// Adds `transport`, which reads and writes the frames itself, to a channel whose HTTP
    /// handlers are gone.
    static func installHandlers(on channel: Channel, transport: WebSocketTransport) throws {
        try channel.pipeline.syncOperations.addHandler(transport)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var view = Substring(self)
        while let first = view.first, set.contains(first) { view = view.dropFirst() }
        while let last = view.last, set.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
