import Foundation
import NIOCore
import Testing

/// The recorded emitter messages of `Fixtures/python-socketio` (python-socketio's own bytes, see
/// `Fixtures/record_python_socketio.py`) and `Fixtures/redis-emitter` (see
/// `Fixtures/make_redis_emitter.py`).
enum EmitterFixtures {
    static func python(_ name: String) throws -> ByteBuffer {
        try bytes(name, withExtension: "json", in: "python-socketio")
    }

    static func python(_ name: String, extension fileExtension: String) throws -> ByteBuffer {
        try bytes(name, withExtension: fileExtension, in: "python-socketio")
    }

    static func redisEmitter(_ name: String) throws -> ByteBuffer {
        try bytes(name, withExtension: "msgpack", in: "redis-emitter")
    }

    private static func bytes(_ name: String, withExtension fileExtension: String, in folder: String) throws -> ByteBuffer {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: fileExtension, subdirectory: "Fixtures/" + folder)
        )
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }
}
