import SocketIO
import ZenithJSON

/// A socket that asked for a watch: whose session a poll may use, and how to answer its request.
struct WatchMember: Sendable {
    /// The Socket.IO socket id.
    var socketID: String
    /// The configured session cookies of the socket's handshake (`sessionid=...`), never logged.
    var cookies: String
    /// Sends the `watch` acknowledgement (`{"ok":true}` or an error); safe from any event loop.
    var acknowledge: @Sendable (JSONValue) -> Void
}
