import NIOCore
import ZenithJSON

/// The handshake data of the `open` (`0`) packet: session id, possible upgrades, heartbeat
/// timings in milliseconds and the largest payload the client may send.
///
/// Built by the session when it is created; ``jsonText`` is what follows the `0`.
public struct EngineIOOpenPacket: Encodable, Equatable, Sendable {
    public var sid: String
    public var upgrades: [String]
    /// Milliseconds between two pings from the server.
    public var pingInterval: Int
    /// Milliseconds the server waits for a pong before it closes the session.
    public var pingTimeout: Int
    /// Largest number of bytes the client may put in one polling payload.
    public var maxPayload: Int

    public init(sid: String, upgrades: [String], pingInterval: Int, pingTimeout: Int, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    private enum CodingKeys: String, CodingKey {
        case sid, upgrades, pingInterval, pingTimeout, maxPayload
    }

    /// Compact JSON in the reference server's key order:
    /// `{"sid":"...","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`.
    public var jsonText: String {
        var json = ByteBufferAllocator().buffer(capacity: 128)
        json.writeStaticString(#"{"sid":"#)
        json.writeJSONString(sid)
        json.writeStaticString(#","upgrades":["#)
        for (index, upgrade) in upgrades.enumerated() {
            if index > 0 { json.writeStaticString(",") }
            json.writeJSONString(upgrade)
        }
        json.writeString(#"],"pingInterval":\#(pingInterval),"pingTimeout":\#(pingTimeout),"maxPayload":\#(maxPayload)}"#)
        return String(buffer: json)
    }

    /// The `open` packet that carries this handshake.
    public var packet: EngineIOPacket { .open(jsonText) }
}
