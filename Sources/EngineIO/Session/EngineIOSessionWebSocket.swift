/// What a session's state machine may ask of a WebSocket: whether it can take more bytes now.
///
/// Read live rather than tracked as an event: the WebSocket's channel may live on another event
/// loop than its session, so a tracked value would lag behind the channel. `WebSocketTransport` is
/// the real one; tests use a plain object.
protocol EngineIOSessionWebSocket: AnyObject {
    var isWritable: Bool { get }
}
