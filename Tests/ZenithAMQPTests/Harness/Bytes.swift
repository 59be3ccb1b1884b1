import NIOCore
@testable import ZenithAMQP

/// Bytes from a hex string (spaces ignored), for frames recorded from RabbitMQ 3.10.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// Frames recorded from a real RabbitMQ 3.10.8 (Debian 12) with a raw socket.
enum Recorded {
    /// connection.start: server properties with the capabilities table, PLAIN and AMQPLAIN.
    static let connectionStart = bytes(hex: """
        010000000001f3000a000a0009000001ce0c6361706162696c697469657346000000c7127075626c69736865725f636f6e6669726d7374011a65786368616e67655f65786368616e67655f62696e64696e677374010a62617369632e6e61636b740116636f6e73756d65725f63616e63656c5f6e6f74696679740112636f6e6e656374696f6e2e626c6f636b6564740113636f6e73756d65725f7072696f72697469657374011c61757468656e7469636174696f6e5f6661696c7572655f636c6f73657401107065725f636f6e73756d65725f716f7374010f6469726563745f7265706c795f746f74010c636c75737465725f6e616d65530000000c7a742d6d616e75616c40766d09636f707972696768745300000037436f707972696768742028632920323030372d3230323220564d776172652c20496e632e206f722069747320616666696c69617465732e0b696e666f726d6174696f6e53000000394c6963656e73656420756e64657220746865204d504c20322e302e20576562736974653a2068747470733a2f2f7261626269746d712e636f6d08706c6174666f726d530000001145726c616e672f4f54502032352e322e330770726f6475637453000000085261626269744d510776657273696f6e5300000006332e31302e380000000e414d51504c41494e20504c41494e00000005656e5f5553ce
        """)
    /// connection.tune: channel_max 2047, frame_max 131072, heartbeat 60.
    static let connectionTune = bytes(hex: "0100000000000c000a001e07ff00020000003cce")
    static let connectionOpenOk = bytes(hex: "01000000000005000a002900ce")
    static let channelOpenOk = bytes(hex: "010001000000080014000b00000000ce")
    /// channel.close 404 after exchange.declare(passive) of a missing exchange.
    static let channelClose404 = bytes(hex: "01000100000042001400280194374e4f545f464f554e44202d206e6f2065786368616e676520276d697373696e672d65786368616e67652720696e2076686f737420272f270028000ace")
}

func decodeAll(_ input: [UInt8], frameMax: UInt32 = 131_072) throws(AMQPProtocolError) -> [AMQPFrame] {
    var buffer = ByteBuffer(bytes: input)
    let decoder = AMQPFrameDecoder(maximumFrameSize: frameMax)
    var frames: [AMQPFrame] = []
    while let frame = try decoder.nextFrame(&buffer) { frames.append(frame) }
    return frames
}
