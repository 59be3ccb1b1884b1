import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ZenithBackoff
import NIOPosix
@testable import ZenithAMQP

/// Runs an `AMQPConsumer` against the suite's broker and records what it hands out (deliveries,
/// states), with bounded waits for the tests' expectations.
final class ConsumerRecorder: Sendable {
    private let deliveriesBox = NIOLockedValueBox<[AMQPDelivery]>([])
    private let statesBox = NIOLockedValueBox<[AMQPConsumer.State]>([])
    let autoAck: Bool
    let consumer: AMQPConsumer

    init(port: Int, queue: String, bindings: [AMQPBinding] = [], exchanges: [String] = ["amq.topic"],
         prefetch: UInt16 = 100, frameMax: UInt32 = 131_072, autoAck: Bool = true, password: String = "guest", exclusive: Bool = true) throws {
        self.autoAck = autoAck
        let url = AMQPTransportURL(hosts: [.init(host: "127.0.0.1", port: port, user: "guest", password: password)])
        let configuration = AMQPConsumerConfiguration(
            transportURL: url, exchanges: exchanges,
            queue: AMQPQueueDeclare(queue: queue, exclusive: exclusive, autoDelete: true), bindings: bindings,
            prefetch: prefetch, heartbeat: .seconds(5), frameMax: frameMax, connectTimeout: .seconds(5),
            reconnectBackoff: ReconnectBackoff(initial: .milliseconds(200), maximum: .seconds(1)))
        let deliveries = deliveriesBox
        let states = statesBox
        consumer = try AMQPConsumer(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "zenith.amqp.test"),
            onStateChange: { state in states.withLockedValue { $0.append(state) } },
            onDelivery: { delivery in
                deliveries.withLockedValue { $0.append(delivery) }
                if autoAck { delivery.ack() }
            })
        consumer.start()
    }

    var deliveries: [AMQPDelivery] { deliveriesBox.withLockedValue { $0 } }
    var states: [AMQPConsumer.State] { statesBox.withLockedValue { $0 } }
    var bodies: [String] { deliveries.map { String(buffer: $0.body) } }

    var consumingCount: Int {
        states.filter { if case .consuming = $0 { true } else { false } }.count
    }

    /// The errors of every `down` state so far.
    var downErrors: [AMQPConsumerError] {
        states.compactMap { if case .down(let error, _) = $0 { error } else { nil } }
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
    @discardableResult
    func wait(seconds: Double = 15, until condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    func waitConsuming(times: Int = 1) async -> Bool {
        await wait { consumingCount >= times }
    }

    /// A test that fails early still stops its consumer (the suite's broker goes on serving others).
    deinit {
        _ = consumer.beginStopping()
    }

    func stop() async {
        await consumer.stop()
    }
}
