import Foundation
import NIOCore
import Testing
import ZenithJSON

@testable import ZenithRealtime

/// Nova's documented notification samples as a RabbitMQ delivery body carries them (see
/// `Fixtures/README.md`), shared by the notification tests.
enum NovaNotificationFixtures {
    /// The tenant every Nova sample's instance belongs to.
    static let tenant = "6f70656e737461636b20342065766572"
    static let instanceUUID = "178b0921-8f85-4257-88b6-2e743b5a975c"
    /// Large enough for every sample, as the consumer's limit would be.
    static let maximumSize = 64 * 1024

    /// The v2-enveloped body of `Fixtures/<name>.json`.
    static func body(_ name: String) throws -> ByteBuffer {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }

    static func notification(_ name: String) throws -> OsloNotification {
        try OsloNotification(decoding: body(name), maximumSize: maximumSize)
    }

    /// The same message as oslo's v1 driver sends it: the envelope's `oslo.message` text itself.
    static func unenvelopedBody(_ name: String) throws -> ByteBuffer {
        let envelope = try JSONValue(parsing: body(name))
        return ByteBuffer(string: try #require(envelope["oslo.message"]?.stringValue))
    }
}
