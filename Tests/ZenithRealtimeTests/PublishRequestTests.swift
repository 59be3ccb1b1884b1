import NIOCore
import SocketIO
import Testing

@testable import ZenithRealtime

@Suite("publish request bodies")
struct PublishRequestTests {
    private static func audience(_ json: String) throws -> SocketIOBroadcast.Audience {
        try PublishRequest.parse(ByteBuffer(string: json), namespaces: ["/"]).broadcasts[0].audience
    }

    @Test("an event without rooms, or with a null or empty list, is refused unless it says broadcast", arguments: [
        #"{"event":"e"}"#, #"{"rooms":null,"event":"e"}"#, #"{"rooms":[],"event":"e"}"#,
        #"{"rooms":[],"broadcast":false,"event":"e"}"#, #"{"except":["r"],"event":"e"}"#,
    ])
    func noRooms(json: String) {
        #expect(throws: PublishRequest.Invalid.self) { try Self.audience(json) }
    }

    @Test("broadcast true reaches the namespace; rooms reach their rooms")
    func explicitAudience() throws {
        #expect(try Self.audience(#"{"broadcast":true,"event":"e"}"#) == .namespace)
        #expect(try Self.audience(#"{"broadcast":true,"rooms":[],"event":"e"}"#) == .namespace)
        #expect(try Self.audience(#"{"rooms":["a","b"],"event":"e"}"#) == .rooms(["a", "b"]))
        #expect(try Self.audience(#"{"rooms":["a"],"broadcast":false,"event":"e"}"#) == .rooms(["a"]))
    }

    @Test("broadcast with rooms, or not a boolean, is refused", arguments: [
        #"{"broadcast":true,"rooms":["a"],"event":"e"}"#, #"{"broadcast":"true","event":"e"}"#,
        #"{"broadcast":null,"event":"e"}"#,
    ])
    func badBroadcast(json: String) {
        #expect(throws: PublishRequest.Invalid.self) { try Self.audience(json) }
    }
}
