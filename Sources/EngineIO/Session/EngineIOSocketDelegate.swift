import NIOCore

/// Receives what one Engine.IO session's client sends: the layer above (Socket.IO). Called on the
/// session's event loop.
public protocol EngineIOSocketDelegate: AnyObject {
    func engineIOSocket(_ socket: EngineIOSocket, didReceiveText text: String)
    func engineIOSocket(_ socket: EngineIOSocket, didReceiveBinary data: ByteBuffer)
    /// The session ended (client close, transport error, ping timeout, server close).
    func engineIOSocketDidClose(_ socket: EngineIOSocket, reason: String)
}
