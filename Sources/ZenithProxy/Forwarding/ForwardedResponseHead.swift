import NIOHTTP1

/// The head Zenith sends a client for a backend's response head: the same status and headers
/// (each Set-Cookie kept as its own field) without the hop-by-hop ones, which describe the
/// backend connection. For a 101 the Upgrade and Connection fields are the point and are kept.
enum ForwardedResponseHead {
    static func make(from head: HTTPResponseHead) -> HTTPResponseHead {
        if head.status == .switchingProtocols {
            return head
        }
        let hopByHop = HopByHopHeaders(of: head.headers)
        var needsRewrite = false
        for (name, _) in head.headers where hopByHop.contains(name) {
            needsRewrite = true
            break
        }
        guard needsRewrite else { return head }
        // A plain array, wrapped once: `HTTPHeaders.add` would scan every name again for
        // non-ASCII bytes and Connection, and these names are parsed tokens or literals.
        var headers: [(String, String)] = []
        headers.reserveCapacity(head.headers.count)
        for (name, value) in head.headers where !hopByHop.contains(name) {
            headers.append((name, value))
        }
        return HTTPResponseHead(version: head.version, status: head.status, headers: HTTPHeaders(headers))
    }
}
