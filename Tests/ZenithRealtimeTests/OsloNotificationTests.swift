import NIOCore
import Testing
import ZenithJSON

@testable import ZenithRealtime

@Suite("oslo.messaging notification bodies")
struct OsloNotificationTests {
    private static func decode(_ text: String, maximumSize: Int = 4096) throws(OsloNotification.Malformed) -> OsloNotification {
        try OsloNotification(decoding: ByteBuffer(string: text), maximumSize: maximumSize)
    }

    @Test("a v2 envelope from Nova is unwrapped into its message")
    func envelopeV2() throws {
        let notification = try NovaNotificationFixtures.notification("instance-update")
        #expect(notification.eventType == "instance.update")
        #expect(notification.publisherID == "nova-compute:fake-mini")
        #expect(notification.priority == "INFO")
        #expect(notification.timestamp == "2026-12-07 01:10:00.000001")
        #expect(notification.messageID == "1f3f2a6c-2b7e-4c8a-9c51-0f0e6b1d9a01")
        #expect(notification.payload["nova_object.name"] == "InstanceUpdatePayload")
        #expect(notification.payload["nova_object.data"]?["tenant_id"] == .string(NovaNotificationFixtures.tenant))
        #expect(notification.context["request_id"] == "req-5b6c791d-5709-4f36-8fbe-c3e02869e35d")
        #expect(notification.context["project_id"] == .string(NovaNotificationFixtures.tenant))
    }

    @Test("a v1 message without envelope decodes to the same notification")
    func unenvelopedV1() throws {
        for name in ["instance-update", "instance-power_off-end", "instance-delete-start", "instance-create-end"] {
            let v1 = try OsloNotification(
                decoding: NovaNotificationFixtures.unenvelopedBody(name), maximumSize: NovaNotificationFixtures.maximumSize)
            #expect(try v1 == NovaNotificationFixtures.notification(name))
        }
    }

    @Test("a body above the caller's limit is refused before it is parsed")
    func oversized() throws {
        let body = try NovaNotificationFixtures.body("instance-update")
        #expect(throws: OsloNotification.Malformed.tooLarge(size: body.readableBytes, limit: 1024)) {
            try OsloNotification(decoding: body, maximumSize: 1024)
        }
    }

    @Test("nesting deeper than the JSON reader allows is refused, in the body and in the envelope")
    func tooDeep() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let message = #"{"event_type":"x","payload":\#(deep)}"#
        for body in [message, #"{"oslo.version":"2.0","oslo.message":\#(JSONValue.string(message).jsonText)}"#] {
            do {
                _ = try Self.decode(body)
                Issue.record("decoded a body nested 100 deep")
            } catch {
                #expect(error.description.contains("JSON nested deeper than 64"))
            }
        }
    }

    @Test("malformed bodies are refused with a reason for the log", arguments: [
        ("not json", "notification is not JSON: unexpected byte 0x6f in JSON at byte 1"),
        (#"["event_type"]"#, "notification is not a JSON object"),
        (#"{"oslo.version":"2.0","oslo.message":"{\"event_type\""}"#, "oslo.message of the envelope is not JSON: unexpected end of JSON at byte 13"),
        (#"{"oslo.version":"2.0","oslo.message":"[1]"}"#, "notification is not a JSON object"),
        (#"{"oslo.version":"3.0","oslo.message":"{}"}"#, "bad oslo.messaging envelope: unsupported oslo.version 3.0"),
        (#"{"oslo.message":"{}"}"#, "bad oslo.messaging envelope: oslo.version is missing or not a string"),
        (#"{"oslo.version":"2.0","oslo.message":{"event_type":"x","payload":{}}}"#, "bad oslo.messaging envelope: oslo.message is missing or not a string"),
        (#"{"payload":{}}"#, "notification has no event_type string"),
        (#"{"event_type":"","payload":{}}"#, "notification has no event_type string"),
        (#"{"event_type":"instance.update"}"#, "notification has no payload"),
        (#"{"event_type":"instance.update","payload":{},"timestamp":1}"#, "notification's timestamp is not a string"),
    ])
    func malformed(body: String, reason: String) {
        do {
            _ = try Self.decode(body)
            Issue.record("decoded \(body)")
        } catch {
            #expect(error.description == reason)
        }
    }
}
