/// The client at the other end of a downstream connection, as forwarding headers and logs name it:
/// made once per connection, and shared by every request on it.
struct DownstreamPeer {
    let ip: String
    let scheme: String
    /// `for=IP;proto=SCHEME`, the start of this proxy's Forwarded element.
    let forwardedElement: String

    init(ip: String, scheme: String) {
        self.ip = ip
        self.scheme = scheme
        // RFC 7239 §6: IPv6 nodes are bracketed and the whole value quoted.
        let node = ip.utf8.contains(UInt8(ascii: ":")) ? "\"[" + ip + "]\"" : ip
        self.forwardedElement = "for=" + node + ";proto=" + scheme
    }
}
