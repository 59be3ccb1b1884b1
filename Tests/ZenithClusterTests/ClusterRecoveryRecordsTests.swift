import NIOCore
import SocketIO
import Testing

@testable import ZenithCluster
@testable import ZenithRedis

/// What cluster recovery reads from Redis, on bytes recorded from redis-server 7.0: the stream's
/// `XREAD` replies and the sockets' records.
@Suite("cluster recovery's records in Redis")
struct ClusterRecoveryRecordsTests {
    static let broadcast = #"{"node":"n0","nsp":"/","rooms":["r"],"except":[],"event":"e","args":[1]}"#

    /// `XREAD COUNT 10 BLOCK 1 STREAMS s 0-0` over a broadcast and an entry of another shape.
    static let recordedRead =
        "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$15\r\n1796622301754-0\r\n*2\r\n$1\r\nm\r\n$72\r\n\(broadcast)\r\n"
        + "*2\r\n$15\r\n1796622301754-1\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"

    private func reply(_ text: String) throws -> RESPValue {
        var buffer = ByteBuffer(string: text)
        return try #require(try RESPReplyDecoder.decodeAll(&buffer).first)
    }

    @Test("an XREAD reply gives its entries in order with their fields; a timed-out read none")
    func streamEntries() throws {
        let entries = ClusterBroadcastStream.entries(of: try self.reply(Self.recordedRead))
        #expect(entries.map(\.id) == ["1796622301754-0", "1796622301754-1"])
        let payload = try #require(entries[0].fields["m"])
        #expect(String(buffer: payload) == Self.broadcast)
        let decoded = try ClusterBroadcast(decoding: payload)
        #expect(decoded.origin == "n0" && decoded.broadcast.event == "e")
        #expect(entries[1].fields["m"] == nil && String(buffer: entries[1].fields["x"]!) == "y")
        #expect(BroadcastOffset(entries[0].id) == BroadcastOffset(milliseconds: 1_796_622_301_754, sequence: 0))
        #expect(ClusterBroadcastStream.entries(of: try self.reply("*-1\r\n")).isEmpty)
    }

    @Test("a socket's record reads back; anything else is no socket")
    func socketRecords() throws {
        let record = #"{"id":"AnogmFNVFz5WPxrhu8bG","nsp":"/","rooms":["AnogmFNVFz5WPxrhu8bG","r"],"identity":null}"#
        let saved = try #require(ClusterSocketDirectory.decode(ByteBuffer(string: record)))
        #expect(saved.socketID == "AnogmFNVFz5WPxrhu8bG" && saved.namespace == "/" && saved.identity == nil)
        #expect(saved.rooms == ["AnogmFNVFz5WPxrhu8bG", "r"])
        let withIdentity = #"{"id":"a","nsp":"/x","rooms":[],"identity":"user:u1"}"#
        #expect(ClusterSocketDirectory.decode(ByteBuffer(string: withIdentity))?.identity == "user:u1")
        for bad in ["", "[]", #"{"id":"a","nsp":"/"}"#, #"{"id":"a","nsp":"/","rooms":[1]}"#, #"{"id":1,"nsp":"/","rooms":[]}"#] {
            #expect(ClusterSocketDirectory.decode(ByteBuffer(string: bad)) == nil, "\(bad)")
        }
    }
}
