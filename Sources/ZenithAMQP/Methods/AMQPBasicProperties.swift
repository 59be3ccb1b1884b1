import NIOCore

/// The properties of a message (the `basic` class's content header fields, §1.8 and §4.2.6.1),
/// as the publisher set them. oslo.messaging sets `content_type` ("application/json"),
/// `content_encoding` ("utf-8"), `delivery_mode` and sometimes `headers`.
public struct AMQPBasicProperties: Equatable, Sendable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPFieldTable?
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    public var expiration: String?
    public var messageID: String?
    public var timestamp: UInt64?
    public var type: String?
    public var userID: String?
    public var appID: String?
    public var clusterID: String?

    public init() {}
}

/// A content header frame's payload (§4.2.6.1): the class of the content, its body size, and the
/// properties present according to the flag word (bit 15 first; bit 0 set would announce a
/// further flag word, which the basic class never needs and is refused).
public struct AMQPContentHeader: Equatable, Sendable {
    public var classID: UInt16
    public var bodySize: UInt64
    public var properties: AMQPBasicProperties

    public init(classID: UInt16 = 60, bodySize: UInt64, properties: AMQPBasicProperties = AMQPBasicProperties()) {
        self.classID = classID
        self.bodySize = bodySize
        self.properties = properties
    }

    static func decode(_ payload: ByteBuffer) throws(AMQPProtocolError) -> AMQPContentHeader {
        var buffer = payload
        let classID = try buffer.readAMQPShort()
        guard classID == 60 else { throw .unexpected("content header for class \(classID), not basic") }
        _ = try buffer.readAMQPShort()  // weight, unused
        let bodySize = try buffer.readAMQPLongLong()
        let flags = try buffer.readAMQPShort()
        guard flags & 0b11 == 0 else { throw .syntax("content header property flags 0x\(String(flags, radix: 16)) announce unknown properties") }
        func has(_ bit: Int) -> Bool { flags & (1 << bit) != 0 }
        var properties = AMQPBasicProperties()
        if has(15) { properties.contentType = try buffer.readAMQPShortString() }
        if has(14) { properties.contentEncoding = try buffer.readAMQPShortString() }
        if has(13) { properties.headers = try AMQPFieldTable.read(from: &buffer) }
        if has(12) { properties.deliveryMode = try buffer.readAMQPOctet() }
        if has(11) { properties.priority = try buffer.readAMQPOctet() }
        if has(10) { properties.correlationID = try buffer.readAMQPShortString() }
        if has(9) { properties.replyTo = try buffer.readAMQPShortString() }
        if has(8) { properties.expiration = try buffer.readAMQPShortString() }
        if has(7) { properties.messageID = try buffer.readAMQPShortString() }
        if has(6) { properties.timestamp = try buffer.readAMQPLongLong() }
        if has(5) { properties.type = try buffer.readAMQPShortString() }
        if has(4) { properties.userID = try buffer.readAMQPShortString() }
        if has(3) { properties.appID = try buffer.readAMQPShortString() }
        if has(2) { properties.clusterID = try buffer.readAMQPShortString() }
        guard buffer.readableBytes == 0 else { throw .syntax("\(buffer.readableBytes) bytes after the content header properties") }
        return AMQPContentHeader(classID: classID, bodySize: bodySize, properties: properties)
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(classID)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(bodySize)
        let p = properties
        let present: [Bool] = [
            p.contentType != nil, p.contentEncoding != nil, p.headers != nil, p.deliveryMode != nil, p.priority != nil,
            p.correlationID != nil, p.replyTo != nil, p.expiration != nil, p.messageID != nil, p.timestamp != nil,
            p.type != nil, p.userID != nil, p.appID != nil, p.clusterID != nil,
        ]
        var flags: UInt16 = 0
        for (index, isPresent) in present.enumerated() where isPresent { flags |= 1 << (15 - index) }
        buffer.writeInteger(flags)
        for string in [p.contentType, p.contentEncoding] { if let string { buffer.writeAMQPShortString(string) } }
        p.headers?.write(into: &buffer)
        for octet in [p.deliveryMode, p.priority] { if let octet { buffer.writeInteger(octet) } }
        for string in [p.correlationID, p.replyTo, p.expiration, p.messageID] { if let string { buffer.writeAMQPShortString(string) } }
        if let timestamp = p.timestamp { buffer.writeInteger(timestamp) }
        for string in [p.type, p.userID, p.appID, p.clusterID] { if let string { buffer.writeAMQPShortString(string) } }
    }
}
