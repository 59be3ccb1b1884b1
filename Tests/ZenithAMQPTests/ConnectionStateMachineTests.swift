import NIOCore
import Testing
@testable import ZenithAMQP

struct ConnectionStateMachineTests {
    typealias Machine = AMQPConnectionStateMachine
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func machine(heartbeat: TimeAmount = .seconds(30), maximumBodySize: UInt64 = 1 << 20, queue: String = "") -> Machine {
        let host = AMQPTransportURL.Host(host: "h", user: "zenith", password: "pw")
        let configuration = AMQPConsumerConfiguration(
            transportURL: AMQPTransportURL(hosts: [host], virtualHost: "/os"), exchanges: ["nova"],
            queue: AMQPQueueDeclare(queue: queue, exclusive: true, autoDelete: true),
            bindings: [AMQPBinding(exchange: "nova", routingKey: "versioned_notifications.info")],
            prefetch: 10, heartbeat: heartbeat, frameMax: 131_072, maximumBodySize: maximumBodySize)
        return Machine(configuration: configuration, credentials: host)
    }

    private func connection(_ method: AMQPMethod) -> AMQPFrame { .method(channel: 0, method) }
    private func channel(_ method: AMQPMethod) -> AMQPFrame { .method(channel: 1, method) }

    /// The reason of the connection.close the first action writes, if it does.
    private func closeReason(_ actions: [Machine.Action]) -> AMQPCloseReason? {
        guard case .write(let frames) = actions.first, case .method(0, .connectionClose(let reason)) = frames.first else { return nil }
        return reason
    }

    /// Drives a machine through negotiation and setup to consuming.
    private func consuming(_ m: inout Machine) {
        _ = m.connected(now: start)
        _ = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "AMQPLAIN PLAIN", locales: "en_US")), now: start)
        _ = m.received(connection(.connectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60)), now: start)
        _ = m.received(connection(.connectionOpenOk), now: start)
        _ = m.received(channel(.channelOpenOk), now: start)
        _ = m.received(channel(.exchangeDeclareOk), now: start)
        _ = m.received(channel(.queueDeclareOk(queue: "amq.gen-1", messageCount: 0, consumerCount: 0)), now: start)
        _ = m.received(channel(.queueBindOk), now: start)
        _ = m.received(channel(.basicQosOk), now: start)
        _ = m.received(channel(.basicConsumeOk(consumerTag: "ctag")), now: start)
    }

    @Test func `negotiation: header, PLAIN start-ok, tune-ok with the smaller values, open with the vhost`() {
        var m = machine()
        #expect(m.connected(now: start) == [.writeProtocolHeader])
        let startOk = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "AMQPLAIN PLAIN", locales: "en_US")), now: start)
        guard case .write(let frames) = startOk.first, case .method(0, .connectionStartOk(let properties, "PLAIN", "\0zenith\0pw", _)) = frames.first else {
            Issue.record("got \(startOk)")
            return
        }
        guard case .table(let capabilities)? = properties["capabilities"] else { return }
        #expect(capabilities["consumer_cancel_notify"] == .bool(true))
        let tune = m.received(connection(.connectionTune(channelMax: 2047, frameMax: 1 << 20, heartbeat: 60)), now: start)
        #expect(tune == [
            .write([connection(.connectionTuneOk(channelMax: 1, frameMax: 131_072, heartbeat: 30)), connection(.connectionOpen(virtualHost: "/os"))]),
            .startHeartbeats(every: .milliseconds(7500)),
        ])
        #expect(m.received(connection(.connectionOpenOk), now: start) == [.write([channel(.channelOpen)])])
    }

    @Test func `tuning: zero means no limit on either side`() {
        #expect(Machine.negotiate(UInt16(0), UInt16(30)) == 30)
        #expect(Machine.negotiate(UInt16(60), UInt16(0)) == 60)
        #expect(Machine.negotiate(UInt16(0), UInt16(0)) == 0)
        #expect(Machine.negotiate(UInt32(4096), UInt32(131_072)) == 4096)
        var m = machine(heartbeat: .seconds(0))
        _ = m.connected(now: start)
        _ = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "PLAIN", locales: "")), now: start)
        let actions = m.received(connection(.connectionTune(channelMax: 0, frameMax: 0, heartbeat: 0)), now: start)
        #expect(actions == [.write([connection(.connectionTuneOk(channelMax: 1, frameMax: 131_072, heartbeat: 0)), connection(.connectionOpen(virtualHost: "/os"))])])
    }

    @Test func `a broker without PLAIN fails the negotiation`() {
        var m = machine()
        _ = m.connected(now: start)
        let actions = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "EXTERNAL", locales: "")), now: start)
        #expect(actions == [.closeSocket(error: .negotiationFailed("broker offers EXTERNAL, not PLAIN"))])
    }

    @Test func `setup: passive exchange declare, queue, bind with the broker's queue name, qos, consume`() {
        var m = machine()
        _ = m.connected(now: start)
        _ = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "PLAIN", locales: "")), now: start)
        _ = m.received(connection(.connectionTune(channelMax: 0, frameMax: 0, heartbeat: 0)), now: start)
        _ = m.received(connection(.connectionOpenOk), now: start)
        #expect(m.received(channel(.channelOpenOk), now: start) == [.write([channel(.exchangeDeclare(AMQPExchangeDeclare(exchange: "nova", passive: true)))])])
        #expect(m.received(channel(.exchangeDeclareOk), now: start) == [.write([channel(.queueDeclare(AMQPQueueDeclare(queue: "", exclusive: true, autoDelete: true)))])])
        #expect(m.received(channel(.queueDeclareOk(queue: "amq.gen-1", messageCount: 0, consumerCount: 0)), now: start)
            == [.write([channel(.queueBind(queue: "amq.gen-1", exchange: "nova", routingKey: "versioned_notifications.info", arguments: [:]))])])
        #expect(m.received(channel(.queueBindOk), now: start) == [.write([channel(.basicQos(prefetchSize: 0, prefetchCount: 10, global: false))])])
        #expect(m.received(channel(.basicQosOk), now: start) == [.write([channel(.basicConsume(queue: "amq.gen-1", consumerTag: "", noAck: false, exclusive: false, arguments: [:]))])])
        #expect(m.received(channel(.basicConsumeOk(consumerTag: "ctag")), now: start) == [.consuming(queue: "amq.gen-1", consumerTag: "ctag")])
    }

    @Test func `a delivery is assembled from deliver, header and several body frames`() {
        var m = machine()
        consuming(&m)
        let fields = AMQPDeliverFields(consumerTag: "ctag", deliveryTag: 1, redelivered: false, exchange: "nova", routingKey: "k")
        #expect(m.received(channel(.basicDeliver(fields)), now: start) == [])
        #expect(m.received(.header(channel: 1, AMQPContentHeader(bodySize: 5)), now: start) == [])
        #expect(m.received(.body(channel: 1, ByteBuffer(string: "he")), now: start) == [])
        #expect(m.received(.body(channel: 1, ByteBuffer(string: "llo")), now: start)
            == [.deliver(AMQPDeliveryContent(fields: fields, properties: AMQPBasicProperties(), body: ByteBuffer(string: "hello")))])
        // An empty body is delivered with its header.
        _ = m.received(channel(.basicDeliver(fields)), now: start)
        #expect(m.received(.header(channel: 1, AMQPContentHeader(bodySize: 0)), now: start)
            == [.deliver(AMQPDeliveryContent(fields: fields, properties: AMQPBasicProperties(), body: ByteBuffer()))])
        #expect(m.ack(deliveryTag: 1, now: start) == [.write([channel(.basicAck(deliveryTag: 1, multiple: false))])])
        #expect(m.reject(deliveryTag: 2, requeue: true, now: start) == [.write([channel(.basicReject(deliveryTag: 2, requeue: true))])])
    }

    @Test func `a body over the limit is dropped and rejected without requeue; too many body bytes close the connection`() {
        var m = machine(maximumBodySize: 4)
        consuming(&m)
        let fields = AMQPDeliverFields(consumerTag: "ctag", deliveryTag: 3, redelivered: false, exchange: "", routingKey: "k")
        _ = m.received(channel(.basicDeliver(fields)), now: start)
        _ = m.received(.header(channel: 1, AMQPContentHeader(bodySize: 6)), now: start)
        #expect(m.received(.body(channel: 1, ByteBuffer(string: "123456")), now: start)
            == [.write([channel(.basicReject(deliveryTag: 3, requeue: false))]), .droppedOversized(deliveryTag: 3, bodySize: 6)])
        _ = m.received(channel(.basicDeliver(fields)), now: start)
        _ = m.received(.header(channel: 1, AMQPContentHeader(bodySize: 2)), now: start)
        #expect(closeReason(m.received(.body(channel: 1, ByteBuffer(string: "123")), now: start))?.replyCode == 505)
    }

    @Test func `a body frame without a delivery, or a frame on another channel, is a connection error`() {
        var m = machine()
        consuming(&m)
        #expect(closeReason(m.received(.body(channel: 1, ByteBuffer(string: "x")), now: start))?.replyCode == 505)
        #expect(m.received(connection(.connectionCloseOk), now: start) == [.closeSocket(error: .protocolViolation(.unexpected("body frame without content header")))])
        var other = machine()
        consuming(&other)
        #expect(closeReason(other.received(.method(channel: 2, .channelOpenOk), now: start))?.replyCode == 504)
    }

    @Test func `heartbeats are sent after half an idle interval, and two silent intervals close`() {
        var m = machine(heartbeat: .seconds(10))
        consuming(&m)  // negotiated: min(60, 10) = 10 s; last sent and received at `start`
        #expect(m.heartbeatTick(now: start + .seconds(4)) == [])
        #expect(m.heartbeatTick(now: start + .seconds(5)) == [.write([.heartbeat])])
        #expect(m.heartbeatTick(now: start + .seconds(7)) == [])
        _ = m.received(.heartbeat, now: start + .seconds(15))
        #expect(m.heartbeatTick(now: start + .seconds(34)) == [.write([.heartbeat])])
        #expect(m.heartbeatTick(now: start + .seconds(35)) == [.closeSocket(error: .missedHeartbeats)])
        #expect(m.heartbeatTick(now: start + .seconds(40)) == [])
    }

    @Test func `the broker's connection.close is answered with close-ok and its reason surfaced`() {
        var m = machine()
        consuming(&m)
        let reason = AMQPCloseReason(replyCode: 320, replyText: "CONNECTION_FORCED - shutdown")
        #expect(m.received(connection(.connectionClose(reason)), now: start)
            == [.write([connection(.connectionCloseOk)]), .closeSocket(error: .connectionClosedByBroker(reason))])
    }

    @Test func `the broker's channel.close is answered, then the connection closes with its reason`() {
        var m = machine()
        _ = m.connected(now: start)
        _ = m.received(connection(.connectionStart(versionMajor: 0, versionMinor: 9, serverProperties: [:], mechanisms: "PLAIN", locales: "")), now: start)
        _ = m.received(connection(.connectionTune(channelMax: 0, frameMax: 0, heartbeat: 0)), now: start)
        _ = m.received(connection(.connectionOpenOk), now: start)
        _ = m.received(channel(.channelOpenOk), now: start)
        let reason = AMQPCloseReason(replyCode: 404, replyText: "NOT_FOUND - no exchange 'nova' in vhost '/os'", classID: 40, methodID: 10)
        let actions = m.received(channel(.channelClose(reason)), now: start)
        #expect(actions == [.write([channel(.channelCloseOk), connection(.connectionClose(AMQPCloseReason(replyCode: 200, replyText: "channel closed by broker")))])])
        #expect(m.received(channel(.basicQosOk), now: start) == [])  // discarded while closing
        #expect(m.received(connection(.connectionCloseOk), now: start) == [.closeSocket(error: .channelClosedByBroker(reason))])
    }

    @Test func `the broker's basic.cancel is surfaced and ends the connection`() {
        var m = machine()
        consuming(&m)
        let actions = m.received(channel(.basicCancel(consumerTag: "ctag", noWait: true)), now: start)
        #expect(actions == [.write([connection(.connectionClose(AMQPCloseReason(replyCode: 200, replyText: "consumer cancelled by broker")))])])
        #expect(m.received(connection(.connectionCloseOk), now: start) == [.closeSocket(error: .consumerCancelledByBroker(consumerTag: "ctag"))])
        #expect(m.ack(deliveryTag: 1, now: start) == [])  // settling after the connection is gone does nothing
    }

    @Test func `close() sends connection.close and reports no error after close-ok`() {
        var m = machine()
        consuming(&m)
        #expect(m.close(now: start) == [.write([connection(.connectionClose(AMQPCloseReason(replyCode: 200, replyText: "consumer stopped")))])])
        #expect(m.received(connection(.connectionCloseOk), now: start) == [.closeSocket(error: nil)])
        var early = machine()
        _ = early.connected(now: start)
        #expect(early.close(now: start) == [.closeSocket(error: nil)])
    }
}
