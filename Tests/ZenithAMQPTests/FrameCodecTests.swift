import NIOCore
import Testing
@testable import ZenithAMQP

struct FrameCodecTests {
    private func encoded(_ frame: AMQPFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func `RabbitMQ's connection.start decodes with its capabilities table`() throws {
        let frames = try decodeAll(Recorded.connectionStart)
        guard case .method(0, .connectionStart(0, 9, let properties, let mechanisms, let locales)) = frames.first else {
            Issue.record("got \(frames)")
            return
        }
        #expect(mechanisms == "AMQPLAIN PLAIN")
        #expect(locales == "en_US")
        #expect(properties["product"] == .longString("RabbitMQ"))
        guard case .table(let capabilities)? = properties["capabilities"] else {
            Issue.record("no capabilities")
            return
        }
        #expect(capabilities["consumer_cancel_notify"] == .bool(true))
        #expect(capabilities.entries.count == 9)
        // Re-encoding gives RabbitMQ's bytes back exactly.
        #expect(encoded(frames[0]) == Recorded.connectionStart)
    }

    @Test func `RabbitMQ's tune, open-ok, channel open-ok and channel.close decode`() throws {
        #expect(try decodeAll(Recorded.connectionTune) == [.method(channel: 0, .connectionTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60))])
        #expect(try decodeAll(Recorded.connectionOpenOk) == [.method(channel: 0, .connectionOpenOk)])
        #expect(try decodeAll(Recorded.channelOpenOk) == [.method(channel: 1, .channelOpenOk)])
        let close = try decodeAll(Recorded.channelClose404)
        #expect(close == [.method(channel: 1, .channelClose(AMQPCloseReason(
            replyCode: 404, replyText: "NOT_FOUND - no exchange 'missing-exchange' in vhost '/'", classID: 40, methodID: 10)))])
        for recorded in [Recorded.connectionTune, Recorded.connectionOpenOk, Recorded.channelOpenOk, Recorded.channelClose404] {
            #expect(try decodeAll(recorded).map(encoded) == [recorded])
        }
    }

    @Test func `every method the consumer uses round-trips through its frame`() throws {
        let table: AMQPFieldTable = ["x-expires": .int32(60_000)]
        let methods: [AMQPMethod] = [
            .connectionStartOk(clientProperties: ["product": .longString("Zenith")], mechanism: "PLAIN", response: "\0u\0p", locale: "en_US"),
            .connectionTuneOk(channelMax: 1, frameMax: 4096, heartbeat: 30),
            .connectionOpen(virtualHost: "/nova"), .connectionClose(AMQPCloseReason(replyCode: 320, replyText: "CONNECTION_FORCED")),
            .connectionCloseOk, .connectionBlocked(reason: "low memory"), .connectionUnblocked,
            .channelOpen, .channelFlow(active: true), .channelFlowOk(active: false), .channelCloseOk,
            .exchangeDeclare(AMQPExchangeDeclare(exchange: "nova", passive: true)), .exchangeDeclareOk,
            .queueDeclare(AMQPQueueDeclare(queue: "zenith-1", exclusive: true, autoDelete: true, arguments: table)),
            .queueDeclareOk(queue: "amq.gen-x", messageCount: 3, consumerCount: 0),
            .queueBind(queue: "zenith-1", exchange: "nova", routingKey: "versioned_notifications.info", arguments: [:]), .queueBindOk,
            .basicQos(prefetchSize: 0, prefetchCount: 100, global: false), .basicQosOk,
            .basicConsume(queue: "zenith-1", consumerTag: "", noAck: false, exclusive: false, arguments: [:]),
            .basicConsumeOk(consumerTag: "amq.ctag-1"), .basicCancel(consumerTag: "amq.ctag-1", noWait: true),
            .basicCancelOk(consumerTag: "amq.ctag-1"),
            .basicDeliver(AMQPDeliverFields(consumerTag: "c", deliveryTag: 1 << 40, redelivered: true, exchange: "nova", routingKey: "k")),
            .basicAck(deliveryTag: 7, multiple: false), .basicReject(deliveryTag: 8, requeue: true),
            .basicNack(deliveryTag: 9, multiple: true, requeue: false),
        ]
        for method in methods {
            let frame = AMQPFrame.method(channel: 1, method)
            #expect(try decodeAll(encoded(frame)) == [frame], "\(method)")
        }
    }

    @Test func `basic.deliver, its content header and body frames have the spec's layout`() throws {
        // basic.deliver: tag "c", delivery tag 5, redelivered, exchange "nova", key "k".
        let deliver = bytes(hex: "01 0001 00000016 003c 003c 0163 0000000000000005 01 046e6f7661 016b ce")
        #expect(try decodeAll(deliver) == [.method(channel: 1, .basicDeliver(AMQPDeliverFields(
            consumerTag: "c", deliveryTag: 5, redelivered: true, exchange: "nova", routingKey: "k")))])
        // content header: basic, size 2, content-type and delivery-mode.
        let header = bytes(hex: "02 0001 00000020 003c 0000 0000000000000002 9000 106170706c69636174696f6e2f6a736f6e 02 ce")
        var properties = AMQPBasicProperties()
        properties.contentType = "application/json"
        properties.deliveryMode = 2
        #expect(try decodeAll(header) == [.header(channel: 1, AMQPContentHeader(bodySize: 2, properties: properties))])
        #expect(try decodeAll(bytes(hex: "03 0001 00000002 7b7d ce")) == [.body(channel: 1, ByteBuffer(string: "{}"))])
        #expect(try decodeAll(bytes(hex: "08 0000 00000000 ce")) == [.heartbeat])
        var all = AMQPBasicProperties()
        (all.contentType, all.contentEncoding, all.headers, all.deliveryMode, all.priority) = ("a", "b", ["h": .void], 1, 9)
        (all.correlationID, all.replyTo, all.expiration, all.messageID, all.timestamp) = ("c", "d", "60000", "m", 1_700_000_000)
        (all.type, all.userID, all.appID, all.clusterID) = ("t", "u", "app", "cl")
        let full = AMQPFrame.header(channel: 1, AMQPContentHeader(bodySize: 1 << 33, properties: all))
        #expect(try decodeAll(encoded(full)) == [full])
    }

    @Test func `frames split at every byte decode the same as in one read`() throws {
        let stream = Recorded.connectionStart + Recorded.connectionTune + bytes(hex: "08 0000 00000000 ce") + Recorded.channelClose404
        let whole = try decodeAll(stream)
        #expect(whole.count == 4)
        let decoder = AMQPFrameDecoder(maximumFrameSize: 131_072)
        for split in 1..<stream.count {
            var buffer = ByteBuffer(bytes: stream[..<split])
            var frames: [AMQPFrame] = []
            while let frame = try decoder.nextFrame(&buffer) { frames.append(frame) }
            buffer.writeBytes(stream[split...])
            while let frame = try decoder.nextFrame(&buffer) { frames.append(frame) }
            #expect(frames == whole, "split at \(split)")
        }
        // And one byte at a time.
        var buffer = ByteBuffer()
        var frames: [AMQPFrame] = []
        for byte in stream {
            buffer.writeInteger(byte)
            while let frame = try decoder.nextFrame(&buffer) { frames.append(frame) }
        }
        #expect(frames == whole)
    }

    @Test func `a bad end octet or an unknown frame type closes without a reply`() {
        var badEnd = Recorded.connectionTune
        badEnd[badEnd.count - 1] = 0xCD
        #expect(throws: AMQPProtocolError.self) { try decodeAll(badEnd) }
        do { _ = try decodeAll(badEnd) } catch { #expect(error.closesWithoutReply && error.replyCode == 501) }
        do { _ = try decodeAll(bytes(hex: "04 0000 00000000 ce")) } catch { #expect(error.closesWithoutReply) }
        // The broker answering with its own protocol header (another version) is not a frame either.
        do { _ = try decodeAll(bytes(hex: "414d515000000901")) } catch { #expect(error.closesWithoutReply) }
    }

    @Test func `a frame over frame_max is refused from its header, before its payload arrives`() {
        do {
            _ = try decodeAll(bytes(hex: "03 0001 00001000"), frameMax: 4096)
            Issue.record("accepted")
        } catch {
            #expect(error.replyCode == 501 && !error.closesWithoutReply)
        }
        #expect(throws: AMQPProtocolError.self) { try decodeAll(bytes(hex: "03 0001 ffffffff")) }
    }

    @Test func `malformed payloads are errors with the spec's reply codes`() {
        let cases: [(String, UInt16)] = [
            ("01 0000 00000004 000a 0063 ce", 540),  // unknown method
            ("01 0000 00000003 000a 00 ce", 502),  // truncated method id
            ("01 0000 00000006 000a 001e 07ff ce", 502),  // tune cut short
            ("01 0000 0000000d 000a 001e 07ff 00020000 003c 00 ce", 502),  // a byte after the arguments
            ("08 0001 00000000 ce", 501),  // heartbeat on a channel
            ("02 0001 0000000e 0028 0000 0000000000000000 0000 ce", 505),  // content header of another class
            ("02 0001 0000000e 003c 0000 0000000000000000 0001 ce", 502),  // property flags continued
            ("01 0001 00000009 003c 001f 03 ff fe fd 00 ce", 502),  // consumer tag not UTF-8
        ]
        for (hex, code) in cases {
            do {
                _ = try decodeAll(bytes(hex: hex))
                Issue.record("accepted \(hex)")
            } catch {
                #expect(error.replyCode == code, "\(hex): \(error)")
            }
        }
    }
}
