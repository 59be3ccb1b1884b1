import Foundation

/// Publishes test messages and manages queues through Python's `pika`, so that publishing stays
/// out of the product (a consumer-only client) while the tests use a real, independent client.
enum TestPublisher {
    private static let script = #"""
import sys, pika
port, action = int(sys.argv[1]), sys.argv[2]
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
channel = connection.channel()
if action == "publish":
    exchange, key, count, size = sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    for i in range(count):
        body = (b"%d:" % i).ljust(size, b"x") if size else b"%d" % i
        channel.basic_publish(exchange, key, body, pika.BasicProperties(content_type="application/json", delivery_mode=1))
elif action == "delete-queue":
    channel.queue_delete(sys.argv[3])
connection.close()
"""#

    /// Publishes `count` messages to `exchange` with `routingKey`; bodies are `"<i>"`, or
    /// `"<i>:"` padded with `x` to `size` bytes.
    static func publish(port: Int, exchange: String, routingKey: String, count: Int, size: Int = 0) throws {
        try run(port: port, ["publish", exchange, routingKey, "\(count)", "\(size)"])
    }

    static func deleteQueue(port: Int, _ queue: String) throws {
        try run(port: port, ["delete-queue", queue])
    }

    private static func run(port: Int, _ arguments: [String]) throws {
        _ = try RabbitMQBroker.run("/usr/bin/env", ["python3", "-c", script, "\(port)"] + arguments,
                                   environment: ProcessInfo.processInfo.environment, timeout: 60)
    }
}
