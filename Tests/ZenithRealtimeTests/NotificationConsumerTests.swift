import Testing
import ZenithAMQP
import ZenithConfig

@testable import ZenithRealtime

@Suite("NotificationConsumer's queues")
struct NotificationConsumerTests {
    static let settings = NotificationSettings(
        transportURLFile: "/etc/zenith/transport_url",
        transportURL: AMQPTransportURL(hosts: [.init(host: "ctl1", user: "zenith", password: "secret")]),
        prefetch: 20, heartbeat: .seconds(10), maxMessageBytes: 65536
    )
    static let rules = [
        NotifySettings(name: "instances", exchange: "nova", topic: "versioned_notifications", events: ["instance.*"], room: "project:{nova_object.data.tenant_id}"),
        NotifySettings(name: "ports", exchange: "neutron", events: ["port.*"], room: "project:{port.project_id}"),
        NotifySettings(name: "servers-admin", exchange: "nova", topic: "versioned_notifications", events: ["instance.create.end"], room: "admin"),
        NotifySettings(name: "networks", exchange: "neutron", events: ["network.*"], room: "project:{network.project_id}"),
    ]

    @Test("one connection per exchange, in rule order")
    func exchanges() {
        #expect(NotificationConsumer.exchanges(of: Self.rules) == ["nova", "neutron"])
    }

    @Test("an exclusive auto-delete queue named by the broker, bound once to <topic>.info and .error")
    func queue() {
        let configuration = NotificationConsumer.amqpConfiguration(Self.settings, exchange: "neutron", rules: Self.rules)
        #expect(configuration.exchanges == ["neutron"])
        #expect(configuration.queue == AMQPQueueDeclare(queue: "", exclusive: true, autoDelete: true))
        #expect(configuration.bindings == [
            AMQPBinding(exchange: "neutron", routingKey: "notifications.info"),
            AMQPBinding(exchange: "neutron", routingKey: "notifications.error"),
        ])
        let nova = NotificationConsumer.amqpConfiguration(Self.settings, exchange: "nova", rules: Self.rules)
        #expect(nova.bindings.map(\.routingKey) == ["versioned_notifications.info", "versioned_notifications.error"])
        #expect(nova.prefetch == 20)
        #expect(nova.heartbeat == .seconds(10))
        #expect(nova.maximumBodySize == 65536)
        #expect(nova.connectionName == "zenith notifications nova")
    }
}
