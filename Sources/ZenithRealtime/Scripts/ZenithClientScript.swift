/// Zenith's browser client (Engine.IO v4 / Socket.IO v5), served at `/socket.io/zenith.js`.
public enum ZenithClientScript {
    public static let source: String = #"""
        // zenith.js is being written
        """#
}
