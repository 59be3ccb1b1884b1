import NIOCore
import ZenithJSON

@testable import ZenithCluster

/// The tests' shorthand for ``MessagePackEncoder``, notepack-like: the emitter tests build their
/// messages with it from the documented layout and check the bytes against the fixtures made
/// with msgpack-python.
enum MessagePackWriter {
    static func bytes(_ value: JSONValue) -> [UInt8] {
        Array(buffer(value).readableBytesView)
    }

    static func buffer(_ value: JSONValue) -> ByteBuffer {
        MessagePackEncoder.encode(value)
    }
}
