import NIOCore
import NIOHTTP1

extension EngineIOHTTPRequest {
    /// The header fields a session is read for after its handshake: the cookies (authentication
    /// and its re-validation, watcher polls) and the user agent (the Socket.IO layer's browser
    /// check). Lowercased, as NIO compares names.
    private static let fieldsKeptForSession: Set<String> = ["cookie", "user-agent"]

    /// This request as a session keeps it for its whole life (`EngineIOSession.handshake`): the
    /// client's address, the scheme, the method and version, and only the fields of
    /// `fieldsKeptForSession`; no URI, no body. The whole request (its head's other fields and
    /// its field list's spare capacity) cost each idle session about 1 KB with the load
    /// generator's six fields (heaptrack), and more with a browser's.
    var keptForSession: EngineIOHTTPRequest {
        var headers = HTTPHeaders()
        for (name, value) in self.head.headers where Self.fieldsKeptForSession.contains(name.lowercased()) {
            headers.add(name: name, value: value)
        }
        return EngineIOHTTPRequest(
            head: HTTPRequestHead(version: self.head.version, method: self.head.method, uri: "", headers: headers),
            body: ByteBuffer(), bodyExceededLimit: false, remoteAddress: self.remoteAddress,
            connectionClosed: self.connectionClosed, scheme: self.scheme
        )
    }
}
