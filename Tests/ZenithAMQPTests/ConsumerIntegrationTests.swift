import Foundation
import NIOCore
import Testing
@testable import ZenithAMQP

/// The consumer against a real RabbitMQ node (one per suite, see `RabbitMQBrokerTrait`);
/// messages are published with Python's pika.
@Suite(.serialized, .rabbitMQBroker)
struct ConsumerIntegrationTests {
    var port: Int { RabbitMQBroker.current!.port }

    private func bound(_ queue: String, _ key: String) -> [AMQPBinding] {
        [AMQPBinding(exchange: "amq.topic", routingKey: key)]
    }

    @Test func `published messages are delivered in order with their routing key and acknowledged`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-ack", bindings: bound("it-ack", "ack.#"))
        #expect(await recorder.waitConsuming())
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "ack.one", count: 3)
        #expect(await recorder.wait { recorder.deliveries.count == 3 })
        #expect(recorder.bodies == ["0", "1", "2"])
        #expect(recorder.deliveries.allSatisfy { $0.routingKey == "ack.one" && $0.exchange == "amq.topic" && !$0.redelivered })
        #expect(recorder.deliveries.first?.properties.contentType == "application/json")
        // Acknowledged: nothing comes back after a reconnect (close_all_connections requeues only unacked ones).
        await recorder.stop()
    }

    @Test func `unacknowledged deliveries stop at the prefetch and resume when acknowledged`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-prefetch", bindings: bound("it-prefetch", "prefetch.#"), prefetch: 2, autoAck: false)
        #expect(await recorder.waitConsuming())
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "prefetch.x", count: 5)
        #expect(await recorder.wait { recorder.deliveries.count == 2 })
        try await Task.sleep(for: .milliseconds(700))
        #expect(recorder.deliveries.count == 2)
        for delivery in recorder.deliveries { delivery.ack() }
        #expect(await recorder.wait { recorder.deliveries.count == 4 })
        for delivery in recorder.deliveries.suffix(2) { delivery.ack() }
        #expect(await recorder.wait { recorder.deliveries.count == 5 })
        #expect(recorder.bodies == ["0", "1", "2", "3", "4"])
        await recorder.stop()
    }

    @Test func `a body larger than frame_max is assembled from many body frames`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-large", bindings: bound("it-large", "large.#"), frameMax: 4096)
        #expect(await recorder.waitConsuming())
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "large.x", count: 2, size: 300_000)
        #expect(await recorder.wait { recorder.deliveries.count == 2 })
        let bodies = recorder.deliveries.map(\.body)
        #expect(bodies.map(\.readableBytes) == [300_000, 300_000])
        #expect(String(buffer: bodies[1]).hasPrefix("1:xxx"))
        await recorder.stop()
    }

    @Test func `a delivery rejected with requeue comes back marked redelivered`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-reject", bindings: bound("it-reject", "reject.#"), autoAck: false)
        #expect(await recorder.waitConsuming())
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "reject.x", count: 1)
        #expect(await recorder.wait { recorder.deliveries.count == 1 })
        recorder.deliveries[0].reject(requeue: true)
        #expect(await recorder.wait { recorder.deliveries.count == 2 })
        #expect(recorder.deliveries[1].redelivered)
        #expect(recorder.bodies == ["0", "0"])
        recorder.deliveries[1].reject(requeue: false)
        try await Task.sleep(for: .milliseconds(500))
        #expect(recorder.deliveries.count == 2)
        await recorder.stop()
    }

    @Test func `the passive declare of a missing exchange reports the broker's 404 and creates nothing`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-missing", exchanges: ["no-such-exchange"])
        #expect(await recorder.wait { !recorder.downErrors.isEmpty })
        guard case .channelClosedByBroker(let reason) = recorder.downErrors.first else {
            Issue.record("expected a channel close, got \(recorder.states)")
            return
        }
        #expect(reason.replyCode == 404)
        #expect(reason.replyText.contains("no-such-exchange"))
        #expect(recorder.consumingCount == 0)
        await recorder.stop()
        let exchanges = try RabbitMQBroker.current!.control("list_exchanges", "name")
        #expect(!exchanges.contains("no-such-exchange"))
    }

    @Test func `a connection closed by the broker is reopened and consumption resumes`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-forced", bindings: bound("it-forced", "forced.#"))
        #expect(await recorder.waitConsuming())
        try RabbitMQBroker.current!.control("close_all_connections", "test closes it")
        #expect(await recorder.waitConsuming(times: 2))
        guard case .connectionClosedByBroker(let reason) = recorder.downErrors.first else {
            Issue.record("expected a connection close, got \(recorder.states)")
            return
        }
        #expect(reason.replyCode == 320)
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "forced.x", count: 1)
        #expect(await recorder.wait { recorder.bodies == ["0"] })
        await recorder.stop()
    }

    @Test func `a broker restart is survived: the queue and binding are declared again`() async throws {
        let broker = RabbitMQBroker.current!
        let recorder = try ConsumerRecorder(port: port, queue: "it-restart", bindings: bound("it-restart", "restart.#"))
        #expect(await recorder.waitConsuming())
        try broker.control("stop_app")
        #expect(await recorder.wait { !recorder.downErrors.isEmpty })
        try broker.control("start_app")
        try await broker.waitUntilAccepting(timeout: 60)
        #expect(await recorder.wait(seconds: 30) { recorder.consumingCount >= 2 })
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "restart.x", count: 2)
        #expect(await recorder.wait { recorder.bodies == ["0", "1"] })
        await recorder.stop()
    }

    @Test func `deleting the queue cancels the consumer, which reports it and consumes a new queue`() async throws {
        // Not exclusive: only its own connection could delete an exclusive queue.
        let recorder = try ConsumerRecorder(port: port, queue: "it-cancel", bindings: bound("it-cancel", "cancel.#"), exclusive: false)
        #expect(await recorder.waitConsuming())
        try TestPublisher.deleteQueue(port: port, "it-cancel")
        #expect(await recorder.wait { !recorder.downErrors.isEmpty })
        guard case .consumerCancelledByBroker = recorder.downErrors.first else {
            Issue.record("expected a consumer cancel, got \(recorder.states)")
            return
        }
        #expect(await recorder.waitConsuming(times: 2))
        try TestPublisher.publish(port: port, exchange: "amq.topic", routingKey: "cancel.x", count: 1)
        #expect(await recorder.wait { recorder.bodies == ["0"] })
        await recorder.stop()
    }

    @Test func `wrong credentials are reported as refused access, without the password`() async throws {
        let recorder = try ConsumerRecorder(port: port, queue: "it-login", password: "s3cret-wrong")
        #expect(await recorder.wait { !recorder.downErrors.isEmpty })
        await recorder.stop()
        guard case .connectionClosedByBroker(let reason) = recorder.downErrors.first else {
            Issue.record("expected access refused, got \(recorder.downErrors)")
            return
        }
        #expect(reason.replyCode == 403)
        #expect(!"\(recorder.states)".contains("s3cret"))
    }
}
