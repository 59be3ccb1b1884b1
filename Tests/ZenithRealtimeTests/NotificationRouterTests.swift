import Testing
import ZenithJSON

@testable import ZenithRealtime

@Suite("routing notifications by [[notify]] rules")
struct NotificationRouterTests {
    /// The issue's example rule.
    private static func instances(events: [String] = ["instance.*"]) throws -> NotificationRule {
        try NotificationRule(
            name: "instances", events: events, room: "project:{nova_object.data.tenant_id}",
            fields: [
                ("id", "nova_object.data.uuid"), ("state", "nova_object.data.state"),
                ("task_state", "nova_object.data.task_state"), ("power_state", "nova_object.data.power_state"),
                ("name", "nova_object.data.display_name"),
            ])
    }

    private static func route(_ fixture: String, _ rules: NotificationRule...) throws -> NotificationRouting {
        NotificationRouter(rules: rules).route(try NovaNotificationFixtures.notification(fixture))
    }

    @Test("event type globs: '*' spans dots, the rest is exact and case-sensitive", arguments: [
        ("instance.*", "instance.update", true), ("instance.*", "instance.power_off.end", true),
        ("instance.*", "instance", false), ("instance.*", "volume.update", false),
        ("*.end", "instance.power_off.end", true), ("*.end", "instance.delete.start", false),
        ("*.end", "instance.endpoint", false), ("instance.update", "instance.update", true),
        ("instance.update", "instance.updated", false), ("instance.update", "Instance.Update", false),
        ("instance.*.end", "instance.create.end", true), ("*", "anything.at.all", true),
        ("a*b*c", "aXbYbZc", true), ("a*b*c", "aXbYcZ", false), ("instance.?", "instance.x", false),
    ])
    func globs(pattern: String, eventType: String, matches: Bool) throws {
        #expect(try #require(EventTypeGlob(pattern)).matches(eventType) == matches)
    }

    @Test("the issue's rule sends instance.update to the project's room with the listed fields only")
    func issueExample() throws {
        let routing = try Self.route("instance-update", Self.instances())
        #expect(routing.skipped.isEmpty)
        #expect(routing.reasonNothingPushed == nil)
        #expect(routing.pushes == [
            NotificationPush(
                rule: "instances", event: "notify:instances", room: "project:\(NovaNotificationFixtures.tenant)",
                data: [
                    "event_type": "instance.update", "timestamp": "2026-12-07 01:10:00.000001",
                    "id": .string(NovaNotificationFixtures.instanceUUID), "state": "active", "task_state": "scheduling",
                    "power_state": "pending", "name": "some-server",
                ])
        ])
    }

    @Test("a field Nova leaves null, or a path the payload lacks, is sent as null")
    func nullFields() throws {
        let rule = try NotificationRule(
            name: "instances", events: ["*.end"], room: "project:{nova_object.data.tenant_id}",
            fields: [("task_state", "nova_object.data.task_state"), ("volume", "nova_object.data.volume_id")])
        let push = try #require(Self.route("instance-power_off-end", rule).pushes.first)
        #expect(push.data == ["event_type": "instance.power_off.end", "timestamp": "2026-12-07 01:10:01.000002", "task_state": nil, "volume": nil])
    }

    @Test("a rule without fields sends event_type and timestamp, nothing of the payload")
    func noFields() throws {
        let rule = try NotificationRule(name: "changes", events: ["instance.delete.start"], room: "project:{nova_object.data.tenant_id}")
        let push = try #require(Self.route("instance-delete-start", rule).pushes.first)
        #expect(push.data == ["event_type": "instance.delete.start", "timestamp": "2026-12-07 01:10:02.000003"])
    }

    @Test("two rules matching one event make two pushes, in rule order")
    func twoRules() throws {
        let detail = try NotificationRule(
            name: "instance-detail", events: ["*.end"], room: "instance:{nova_object.data.uuid}",
            fields: [("flavor", "nova_object.data.flavor.nova_object.data.name")])
        let routing = try Self.route("instance-create-end", Self.instances(), detail)
        #expect(routing.pushes.map(\.event) == ["notify:instances", "notify:instance-detail"])
        #expect(routing.pushes.map(\.room) == ["project:\(NovaNotificationFixtures.tenant)", "instance:\(NovaNotificationFixtures.instanceUUID)"])
        #expect(routing.pushes[1].data["flavor"] == "test_flavor")
    }

    @Test("no matching rule: nothing pushed, and the log says why")
    func noMatch() throws {
        let routing = try Self.route("instance-update", Self.instances(events: ["volume.*", "*.end"]))
        #expect(routing.pushes.isEmpty && routing.skipped.isEmpty)
        #expect(routing.reasonNothingPushed == "no notify rule matches event type 'instance.update'")
    }

    @Test("a room path the payload lacks drops the rule's push with the reason, other rules still push")
    func missingRoomPath() throws {
        let cinder = try NotificationRule(name: "volumes", events: ["instance.*"], room: "project:{tenant_id}")
        let routing = try Self.route("instance-update", cinder, Self.instances())
        #expect(routing.pushes.map(\.rule) == ["instances"])
        #expect(routing.skipped == [NotificationSkip(rule: "volumes", reason: .roomPathMissing("tenant_id"))])

        let alone = try Self.route("instance-update", cinder)
        #expect(alone.reasonNothingPushed == "notify 'volumes': no room, the payload has no 'tenant_id'")
    }

    @Test("a room value that is not a non-empty string or a number makes no room", arguments: [
        (#"{"p":null}"#, "null"), (#"{"p":true}"#, "a boolean"), (#"{"p":""}"#, "an empty string"),
        (#"{"p":{"id":1}}"#, "an object"), (#"{"p":["a"]}"#, "an array"),
    ])
    func unusableRoomValue(payload: String, found: String) throws {
        let rule = try NotificationRule(name: "r", events: ["e"], room: "project:{p}")
        let notification = try OsloNotification(
            decoding: .init(string: #"{"event_type":"e","payload":\#(payload)}"#), maximumSize: 1024)
        let routing = NotificationRouter(rules: [rule]).route(notification)
        #expect(routing.pushes.isEmpty)
        #expect(routing.skipped == [NotificationSkip(rule: "r", reason: .roomValueUnusable(path: "p", found: found))])
    }

    @Test("numbers fill rooms; several placeholders and dotted member names resolve")
    func roomFilling() throws {
        let rule = try NotificationRule(name: "r", events: ["e"], room: "{a.b.c}/{n}/{x}")
        let notification = try OsloNotification(
            decoding: .init(string: #"{"event_type":"e","payload":{"a.b":{"x":1},"a":{"b.c":"deep"},"n":42,"x":1.5}}"#),
            maximumSize: 1024)
        #expect(NotificationRouter(rules: [rule]).route(notification).pushes.map(\.room) == ["deep/42/1.5"])
    }

    @Test("rules with mistakes are refused when made", arguments: [
        ("", ["e"], "r", [(String, String)]()), ("bad name", ["e"], "r", []), ("n", [], "r", []), ("n", [""], "r", []),
        ("n", ["e"], "", []), ("n", ["e"], "project:{", []), ("n", ["e"], "project:{}", []), ("n", ["e"], "p:{a..b}", []),
        ("n", ["e"], "r", [("event_type", "a")]), ("n", ["e"], "r", [("f", "a"), ("f", "b")]), ("n", ["e"], "r", [("f", "")]),
    ])
    func invalidRules(name: String, events: [String], room: String, fields: [(String, String)]) {
        #expect(throws: NotificationRule.Invalid.self) {
            try NotificationRule(name: name, events: events, room: room, fields: fields.map { (name: $0.0, path: $0.1) })
        }
    }
}
