import NIOCore

/// Reading and writing a method frame's payload (§4.2.4): class id, method id, then the
/// arguments in the order of the spec. Consecutive `bit` arguments share octets, least
/// significant bit first (§4.2.5.2).
extension AMQPMethod {
    /// Decodes a whole method payload; bytes left over after the arguments are a syntax error.
    static func decode(_ payload: ByteBuffer) throws(AMQPProtocolError) -> AMQPMethod {
        var buffer = payload
        let classID = try buffer.readAMQPShort()
        let methodID = try buffer.readAMQPShort()
        let method = try decodeArguments(classID: classID, methodID: methodID, from: &buffer)
        guard buffer.readableBytes == 0 else {
            throw .syntax("\(buffer.readableBytes) bytes after the arguments of method \(classID).\(methodID)")
        }
        return method
    }

    private static func decodeArguments(classID: UInt16, methodID: UInt16, from buffer: inout ByteBuffer) throws(AMQPProtocolError) -> AMQPMethod {
        switch (classID, methodID) {
        case (10, 10):
            let major = try buffer.readAMQPOctet()
            let minor = try buffer.readAMQPOctet()
            let properties = try AMQPFieldTable.read(from: &buffer)
            return .connectionStart(versionMajor: major, versionMinor: minor, serverProperties: properties,
                                    mechanisms: try buffer.readAMQPLongString(), locales: try buffer.readAMQPLongString())
        case (10, 11):
            let properties = try AMQPFieldTable.read(from: &buffer)
            let mechanism = try buffer.readAMQPShortString()
            let response = try buffer.readAMQPLongString()
            return .connectionStartOk(clientProperties: properties, mechanism: mechanism, response: response,
                                      locale: try buffer.readAMQPShortString())
        case (10, 30), (10, 31):
            let channelMax = try buffer.readAMQPShort()
            let frameMax = try buffer.readAMQPLong()
            let heartbeat = try buffer.readAMQPShort()
            return methodID == 30
                ? .connectionTune(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)
                : .connectionTuneOk(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)
        case (10, 40):
            let virtualHost = try buffer.readAMQPShortString()
            _ = try buffer.readAMQPShortString()  // reserved-1 (capabilities)
            _ = try buffer.readAMQPOctet()  // reserved-2 (insist)
            return .connectionOpen(virtualHost: virtualHost)
        case (10, 41):
            _ = try buffer.readAMQPShortString()  // reserved-1 (known-hosts)
            return .connectionOpenOk
        case (10, 50): return .connectionClose(try AMQPCloseReason.read(from: &buffer))
        case (10, 51): return .connectionCloseOk
        case (10, 60): return .connectionBlocked(reason: try buffer.readAMQPShortString())
        case (10, 61): return .connectionUnblocked
        case (20, 10):
            _ = try buffer.readAMQPShortString()  // reserved-1 (out-of-band)
            return .channelOpen
        case (20, 11):
            _ = try buffer.readAMQPLongBytes()  // reserved-1 (channel-id)
            return .channelOpenOk
        case (20, 20): return .channelFlow(active: try buffer.readAMQPOctet() & 1 != 0)
        case (20, 21): return .channelFlowOk(active: try buffer.readAMQPOctet() & 1 != 0)
        case (20, 40): return .channelClose(try AMQPCloseReason.read(from: &buffer))
        case (20, 41): return .channelCloseOk
        case (40, 10):
            _ = try buffer.readAMQPShort()  // reserved-1 (ticket)
            let exchange = try buffer.readAMQPShortString()
            let type = try buffer.readAMQPShortString()
            let bits = try buffer.readAMQPOctet()
            return .exchangeDeclare(AMQPExchangeDeclare(
                exchange: exchange, type: type, passive: bits & 1 != 0, durable: bits & 2 != 0, autoDelete: bits & 4 != 0,
                internal: bits & 8 != 0, noWait: bits & 16 != 0, arguments: try AMQPFieldTable.read(from: &buffer)))
        case (40, 11): return .exchangeDeclareOk
        case (50, 10):
            _ = try buffer.readAMQPShort()
            let queue = try buffer.readAMQPShortString()
            let bits = try buffer.readAMQPOctet()
            return .queueDeclare(AMQPQueueDeclare(
                queue: queue, passive: bits & 1 != 0, durable: bits & 2 != 0, exclusive: bits & 4 != 0,
                autoDelete: bits & 8 != 0, noWait: bits & 16 != 0, arguments: try AMQPFieldTable.read(from: &buffer)))
        case (50, 11):
            let queue = try buffer.readAMQPShortString()
            let messages = try buffer.readAMQPLong()
            return .queueDeclareOk(queue: queue, messageCount: messages, consumerCount: try buffer.readAMQPLong())
        case (50, 20):
            _ = try buffer.readAMQPShort()
            let queue = try buffer.readAMQPShortString()
            let exchange = try buffer.readAMQPShortString()
            let routingKey = try buffer.readAMQPShortString()
            _ = try buffer.readAMQPOctet()  // no-wait: this client always waits for bind-ok
            return .queueBind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: try AMQPFieldTable.read(from: &buffer))
        case (50, 21): return .queueBindOk
        case (60, 10):
            let size = try buffer.readAMQPLong()
            let count = try buffer.readAMQPShort()
            return .basicQos(prefetchSize: size, prefetchCount: count, global: try buffer.readAMQPOctet() & 1 != 0)
        case (60, 11): return .basicQosOk
        case (60, 20):
            _ = try buffer.readAMQPShort()
            let queue = try buffer.readAMQPShortString()
            let tag = try buffer.readAMQPShortString()
            let bits = try buffer.readAMQPOctet()  // no-local 1, no-ack 2, exclusive 4, no-wait 8
            return .basicConsume(queue: queue, consumerTag: tag, noAck: bits & 2 != 0, exclusive: bits & 4 != 0,
                                 arguments: try AMQPFieldTable.read(from: &buffer))
        case (60, 21): return .basicConsumeOk(consumerTag: try buffer.readAMQPShortString())
        case (60, 30):
            let tag = try buffer.readAMQPShortString()
            return .basicCancel(consumerTag: tag, noWait: try buffer.readAMQPOctet() & 1 != 0)
        case (60, 31): return .basicCancelOk(consumerTag: try buffer.readAMQPShortString())
        case (60, 60):
            let tag = try buffer.readAMQPShortString()
            let deliveryTag = try buffer.readAMQPLongLong()
            let redelivered = try buffer.readAMQPOctet() & 1 != 0
            let exchange = try buffer.readAMQPShortString()
            return .basicDeliver(AMQPDeliverFields(consumerTag: tag, deliveryTag: deliveryTag, redelivered: redelivered,
                                                   exchange: exchange, routingKey: try buffer.readAMQPShortString()))
        case (60, 80):
            let tag = try buffer.readAMQPLongLong()
            return .basicAck(deliveryTag: tag, multiple: try buffer.readAMQPOctet() & 1 != 0)
        case (60, 90):
            let tag = try buffer.readAMQPLongLong()
            return .basicReject(deliveryTag: tag, requeue: try buffer.readAMQPOctet() & 1 != 0)
        case (60, 120):
            let tag = try buffer.readAMQPLongLong()
            let bits = try buffer.readAMQPOctet()
            return .basicNack(deliveryTag: tag, multiple: bits & 1 != 0, requeue: bits & 2 != 0)
        default:
            throw .notImplemented("method \(classID).\(methodID) is not supported by this consumer")
        }
    }

    /// Writes the payload of this method's frame.
    func encode(into buffer: inout ByteBuffer) {
        let (classID, methodID) = id
        buffer.writeInteger(classID)
        buffer.writeInteger(methodID)
        func bits(_ flags: Bool...) {
            var octet: UInt8 = 0
            for (index, flag) in flags.enumerated() where flag { octet |= 1 << index }
            buffer.writeInteger(octet)
        }
        switch self {
        case .connectionStart(let major, let minor, let properties, let mechanisms, let locales):
            buffer.writeInteger(major)
            buffer.writeInteger(minor)
            properties.write(into: &buffer)
            buffer.writeAMQPLongString(mechanisms)
            buffer.writeAMQPLongString(locales)
        case .connectionStartOk(let properties, let mechanism, let response, let locale):
            properties.write(into: &buffer)
            buffer.writeAMQPShortString(mechanism)
            buffer.writeAMQPLongString(response)
            buffer.writeAMQPShortString(locale)
        case .connectionTune(let channelMax, let frameMax, let heartbeat), .connectionTuneOk(let channelMax, let frameMax, let heartbeat):
            buffer.writeInteger(channelMax)
            buffer.writeInteger(frameMax)
            buffer.writeInteger(heartbeat)
        case .connectionOpen(let virtualHost):
            buffer.writeAMQPShortString(virtualHost)
            buffer.writeAMQPShortString("")
            bits(false)
        case .connectionOpenOk, .channelOpen:
            buffer.writeAMQPShortString("")
        case .channelOpenOk:
            buffer.writeInteger(UInt32(0))
        case .connectionClose(let reason), .channelClose(let reason):
            reason.write(into: &buffer)
        case .connectionBlocked(let reason):
            buffer.writeAMQPShortString(reason)
        case .channelFlow(let active), .channelFlowOk(let active):
            bits(active)
        case .connectionCloseOk, .connectionUnblocked, .channelCloseOk, .exchangeDeclareOk, .queueBindOk, .basicQosOk:
            break
        case .exchangeDeclare(let declare):
            buffer.writeInteger(UInt16(0))
            buffer.writeAMQPShortString(declare.exchange)
            buffer.writeAMQPShortString(declare.type)
            bits(declare.passive, declare.durable, declare.autoDelete, declare.internal, declare.noWait)
            declare.arguments.write(into: &buffer)
        case .queueDeclare(let declare):
            buffer.writeInteger(UInt16(0))
            buffer.writeAMQPShortString(declare.queue)
            bits(declare.passive, declare.durable, declare.exclusive, declare.autoDelete, declare.noWait)
            declare.arguments.write(into: &buffer)
        case .queueDeclareOk(let queue, let messages, let consumers):
            buffer.writeAMQPShortString(queue)
            buffer.writeInteger(messages)
            buffer.writeInteger(consumers)
        case .queueBind(let queue, let exchange, let routingKey, let arguments):
            buffer.writeInteger(UInt16(0))
            buffer.writeAMQPShortString(queue)
            buffer.writeAMQPShortString(exchange)
            buffer.writeAMQPShortString(routingKey)
            bits(false)
            arguments.write(into: &buffer)
        case .basicQos(let size, let count, let global):
            buffer.writeInteger(size)
            buffer.writeInteger(count)
            bits(global)
        case .basicConsume(let queue, let tag, let noAck, let exclusive, let arguments):
            buffer.writeInteger(UInt16(0))
            buffer.writeAMQPShortString(queue)
            buffer.writeAMQPShortString(tag)
            bits(false, noAck, exclusive, false)
            arguments.write(into: &buffer)
        case .basicConsumeOk(let tag), .basicCancelOk(let tag):
            buffer.writeAMQPShortString(tag)
        case .basicCancel(let tag, let noWait):
            buffer.writeAMQPShortString(tag)
            bits(noWait)
        case .basicDeliver(let fields):
            buffer.writeAMQPShortString(fields.consumerTag)
            buffer.writeInteger(fields.deliveryTag)
            bits(fields.redelivered)
            buffer.writeAMQPShortString(fields.exchange)
            buffer.writeAMQPShortString(fields.routingKey)
        case .basicAck(let tag, let multiple):
            buffer.writeInteger(tag)
            bits(multiple)
        case .basicReject(let tag, let requeue):
            buffer.writeInteger(tag)
            bits(requeue)
        case .basicNack(let tag, let multiple, let requeue):
            buffer.writeInteger(tag)
            bits(multiple, requeue)
        }
    }
}

extension AMQPCloseReason {
    static func read(from buffer: inout ByteBuffer) throws(AMQPProtocolError) -> AMQPCloseReason {
        let code = try buffer.readAMQPShort()
        let text = try buffer.readAMQPShortString()
        let classID = try buffer.readAMQPShort()
        return AMQPCloseReason(replyCode: code, replyText: text, classID: classID, methodID: try buffer.readAMQPShort())
    }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(replyCode)
        buffer.writeAMQPShortString(replyText)
        buffer.writeInteger(classID)
        buffer.writeInteger(methodID)
    }
}
