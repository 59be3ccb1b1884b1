import NIOCore

/// The client at the other end of a downstream connection, as forwarding headers and logs name it:
/// made once per connection, and shared by every request on it (and by every stream of an HTTP/2
/// connection).
struct DownstreamPeer {
    /// The client's socket address, as accepted.
    let address: SocketAddress?
    /// The client's IP as text (`unknown` when the socket has no address).
    let ip: String
    let scheme: String
    /// `for=IP;proto=SCHEME`, the start of this proxy's Forwarded element.
    let forwardedElement: String

    init(address: SocketAddress?, scheme: String) {
        self.address = address
        let ip = address?.ipAddress ?? "unknown"
        self.ip = ip
        self.scheme = scheme
        // RFC 7239 §6: IPv6 nodes are bracketed and the whole value quoted.
        let node = ip.utf8.contains(UInt8(ascii: ":")) ? "\"[" + ip + "]\"" : ip
        self.forwardedElement = "for=" + node + ";proto=" + scheme
    }
}
