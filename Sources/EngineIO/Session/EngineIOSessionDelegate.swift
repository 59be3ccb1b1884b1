import NIOCore

/// Receives what one Engine.IO session's client sends: the layer above (Socket.IO). Called on the
/// session's event loop.
public protocol EngineIOSessionDelegate: AnyObject {
    func engineIOSession(_ session: EngineIOSession, didReceiveText text: String)
    func engineIOSession(_ session: EngineIOSession, didReceiveBinary data: ByteBuffer)
    /// The session ended (client close, transport error, ping timeout, server close).
    func engineIOSessionDidClose(_ session: EngineIOSession, reason: String)
}
