import Foundation
import Testing

@testable import ZenithConfig

@Suite("[notifications] and [[notify]]")
struct NotificationSettingsTests {
    /// `[notifications]` naming `transport_url` beside the config (lines 3 to 4 after `minimalConfig`).
    static let notifications = """
        [notifications]
        transport_url_file = "transport_url"

        """

    /// A Nova rule of 9 lines.
    static let novaRule = """
        [[notify]]
        name = "instances"
        exchange = "nova"
        topic = "versioned_notifications"
        events = ["instance.*"]
        room = "project:{nova_object.data.tenant_id}"
        fields = { id = "nova_object.data.uuid", state = "nova_object.data.state" }
        watch = "servers"

        """

    static func fixture(_ config: String, url: String = "rabbit://zenith:s3cret@10.0.0.5:5672,10.0.0.6/openstack\n") throws -> ConfigFixture {
        let fixture = try ConfigFixture(config: config)
        try fixture.write("transport_url", url)
        try Self.setMode(0o600, of: fixture.directory + "/transport_url")
        return fixture
    }

    static func setMode(_ mode: Int, of path: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test("absent: no bus, no rules")
    func absent() throws {
        let configuration = try ConfigFixture(config: minimalConfig).load().configuration
        #expect(configuration.notifications == nil)
        #expect(configuration.notify.isEmpty)
    }

    @Test("every key read; the URL parsed from its file; rules in file order with their routing keys")
    func everyKey() throws {
        let fixture = try Self.fixture(minimalConfig + horizonAuth + serversWatch + """
            [notifications]
            transport_url_file = "transport_url"
            ca_file = "ca.pem"
            prefetch = 20
            heartbeat = "10s"
            max_message_bytes = "64KiB"

            """ + Self.novaRule + """
            [[notify]]
            name = "volumes"
            exchange = "cinder"
            events = ["volume.*", "snapshot.*"]
            room = "project:{tenant_id}"

            """, url: "rabbit://zenith:s3cret@10.0.0.5:5672/?ssl=1\n")
        try fixture.write("ca.pem", "")
        let loaded = try fixture.load()
        #expect(loaded.warnings.isEmpty)
        let settings = try #require(loaded.configuration.notifications)
        #expect(settings.transportURLFile == fixture.directory + "/transport_url")
        #expect(settings.transportURL.description == "rabbit://zenith:***@10.0.0.5:5672/?ssl=1")
        #expect(settings.transportURL.hosts.first?.password == "s3cret")
        #expect(settings.caFile == fixture.directory + "/ca.pem")
        #expect(settings.prefetch == 20)
        #expect(settings.heartbeat == .seconds(10))
        #expect(settings.maxMessageBytes == 65536)
        #expect(loaded.configuration.notify == [
            NotifySettings(
                name: "instances", exchange: "nova", topic: "versioned_notifications", events: ["instance.*"],
                room: "project:{nova_object.data.tenant_id}",
                fields: [.init(name: "id", path: "nova_object.data.uuid"), .init(name: "state", path: "nova_object.data.state")],
                watch: "servers"),
            NotifySettings(name: "volumes", exchange: "cinder", events: ["volume.*", "snapshot.*"], room: "project:{tenant_id}"),
        ])
        #expect(loaded.configuration.notify[0].routingKeys == ["versioned_notifications.info", "versioned_notifications.error"])
        #expect(loaded.configuration.notify[1].routingKeys == ["notifications.info", "notifications.error"])
    }

    @Test("defaults: prefetch 100, heartbeat 30s, 1 MiB messages, topic notifications")
    func defaults() throws {
        let loaded = try Self.fixture(minimalConfig + Self.notifications + """
            [[notify]]
            name = "ports"
            exchange = "neutron"
            events = ["port.*"]
            room = "project:{port.project_id}"

            """).load()
        let settings = try #require(loaded.configuration.notifications)
        #expect(settings.prefetch == 100)
        #expect(settings.heartbeat == .seconds(30))
        #expect(settings.maxMessageBytes == 1 << 20)
        #expect(settings.caFile == nil)
        #expect(loaded.configuration.notify.first?.topic == "notifications")
    }

    @Test("a bad transport URL is an error on the transport_url_file line that never shows the password")
    func badURL() throws {
        let fixture = try Self.fixture(minimalConfig + Self.notifications, url: "rabbit://zenith:s3cret@host:99999/\n")
        let messages = fixture.diagnostics().map(\.description)
        #expect(messages.dropFirst() == [
            "\(fixture.configPath):4: error: transport_url_file '\(fixture.directory)/transport_url': transport URL: host 1: the port is not a number from 1 to 65535"
        ])
        #expect(!messages.joined().contains("s3cret"))
        let missing = try ConfigFixture(config: minimalConfig + Self.notifications)
        #expect(missing.diagnostics().map(\.description).dropFirst() == [
            "\(missing.configPath):4: error: cannot read transport_url_file '\(missing.directory)/transport_url': no such file"
        ])
    }

    @Test("bad values of [notifications] are errors on their lines; ca_file without ssl=1 and no rules are warnings")
    func badNotificationValues() throws {
        let fixture = try Self.fixture(minimalConfig + """
            [notifications]
            prefetch = 0
            heartbeat = "0s"
            ca_file = "nowhere.pem"
            colour = "blue"

            """)
        let path = fixture.configPath
        #expect(fixture.diagnostics().map(\.description) == [
            "\(path):3: error: missing 'transport_url_file' in [notifications]",
            "\(path):3: warning: [notifications] without [[notify]] entries consumes nothing",
            "\(path):4: error: invalid value for 'prefetch' in [notifications]: expected an integer from 1 to 65535, found 0",
            "\(path):5: error: invalid value for 'heartbeat' in [notifications]: expected a duration greater than zero, such as \"30s\", found \"0s\"",
            "\(path):6: error: ca_file '\(fixture.directory)/nowhere.pem' does not exist or is not a file",
            "\(path):7: error: unknown key 'colour' in [notifications]",
        ])
        let warned = try Self.fixture(minimalConfig + Self.notifications + "ca_file = \"ca.pem\"\n")
        try warned.write("ca.pem", "")
        #expect(try warned.load().warnings.map(\.description) == [
            "\(warned.configPath):3: warning: [notifications] without [[notify]] entries consumes nothing",
            "\(warned.configPath):5: warning: ca_file is used only with ?ssl=1 in the transport URL",
        ])
    }

    @Test("bad [[notify]] entries are errors on their lines")
    func badRules() throws {
        let fixture = try Self.fixture(minimalConfig + Self.notifications + """
            [[notify]]
            name = "in stances"
            exchange = "no va"
            events = []
            room = "project:{nova_object..tenant_id}"
            fields = { event_type = "a", id = "a.", "" = "b" }
            watch = "servers"
            [[notify]]
            name = "volumes"
            exchange = "cinder"
            events = ["volume.*"]
            room = "project:{tenant_id"
            [[notify]]
            name = "volumes"
            exchange = "cinder"
            events = ["volume.*"]
            room = "project:{tenant_id}"

            """)
        let path = fixture.configPath
        #expect(fixture.diagnostics().map(\.description) == [
            "\(path):6: error: name 'in stances' must be letters, digits, '_', '-' or '.'",
            "\(path):7: error: exchange must be 1 to 255 letters, digits, '-', '_', '.' or ':'",
            "\(path):8: error: invalid value for 'events' in [[notify]] #1: expected a non-empty array of a string, found an array",
            "\(path):9: error: room placeholder '{nova_object..tenant_id}' is not a dotted path such as {payload.key}",
            "\(path):10: error: a field name is empty",
            "\(path):10: error: field 'event_type' would replace the event's own event_type",
            "\(path):10: error: field 'id': 'a.' is not a dotted path such as payload.key",
            "\(path):11: error: watch 'servers' names no [[watch]] entry",
            "\(path):16: error: room 'project:{tenant_id' has a '{' without '}'",
            "\(path):18: error: a notify named 'volumes' is already defined",
        ])
    }

    @Test("[[notify]] without [notifications] is an error")
    func ruleWithoutBus() throws {
        let fixture = try ConfigFixture(config: minimalConfig + """
            [[notify]]
            name = "images"
            exchange = "glance"
            events = ["image.*"]
            room = "project:{owner}"

            """)
        #expect(fixture.diagnostics().map(\.description) == [
            "\(fixture.configPath):3: error: [[notify]] needs [notifications]: it says which message bus to consume"
        ])
    }

    @Test("a transport URL file readable by every user is a warning")
    func worldReadable() throws {
        let fixture = try Self.fixture(minimalConfig + Self.notifications + Self.novaRule.replacingOccurrences(of: "watch = \"servers\"\n", with: ""))
        try Self.setMode(0o644, of: fixture.directory + "/transport_url")
        #expect(try fixture.load().warnings.map(\.description) == [
            "\(fixture.configPath):4: warning: transport_url_file '\(fixture.directory)/transport_url' is readable by every user, and holds the broker's password"
        ])
    }
}
