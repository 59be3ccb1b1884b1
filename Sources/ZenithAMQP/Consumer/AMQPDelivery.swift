import NIOCore

/// One message delivered to the consumer, with the means to settle it. Handed to the delivery
/// handler on the connection's event loop; `ack()` or `reject(requeue:)` may be called from any
/// thread, once. Until settled it counts against the prefetch. A delivery of a connection that
/// has since closed cannot be settled (the broker has already requeued it): the call is ignored.
public struct AMQPDelivery: Sendable {
    /// Consumer tag, delivery tag, redelivered flag, exchange and routing key.
    public let fields: AMQPDeliverFields
    public let properties: AMQPBasicProperties
    /// The whole body (at most `maximumBodySize` bytes).
    public let body: ByteBuffer
    let settler: AMQPDeliverySettler

    public var routingKey: String { fields.routingKey }
    public var exchange: String { fields.exchange }
    public var redelivered: Bool { fields.redelivered }

    /// Tells the broker the message is handled (basic.ack).
    public func ack() {
        settler.settle(deliveryTag: fields.deliveryTag, requeue: nil)
    }

    /// Gives the message back (basic.reject): with `requeue` to be delivered again (with
    /// `redelivered` set), without it to be dropped or dead-lettered.
    public func reject(requeue: Bool) {
        settler.settle(deliveryTag: fields.deliveryTag, requeue: requeue)
    }
}

/// The way back from a delivery to the connection it came on: settles on that connection's
/// event loop, through the handler, which drops the call if the connection is gone.
struct AMQPDeliverySettler: Sendable {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<AMQPConnectionHandler>

    /// `requeue` nil acks; otherwise rejects.
    func settle(deliveryTag: UInt64, requeue: Bool?) {
        let handler = self.handler
        eventLoop.execute {
            handler.value.settle(deliveryTag: deliveryTag, requeue: requeue)
        }
    }
}
