import FuzzSupport
import NIOCore
import SocketIO
import ZenithJSON

@testable import ZenithCluster

/// Feeds the input, as a message another process published on Redis, to `MessagePackDecoder`
/// (bodies of 1 to 8 KiB as the 1st byte picks, depth 8), to `RedisEmitterMessageDecoder` on a
/// channel the 1st byte picks, and to `PythonSocketIOMessageDecoder`. Beyond not crashing
/// (every bound is an error), it checks that a decoded MessagePack value encodes
/// (`MessagePackEncoder`, notepack's smallest forms) to bytes that decode to the same value and
/// re-encode to themselves; that no strict prefix of an accepted body decodes (the 2nd byte picks
/// the cut: a MessagePack value ends where it says); that the emitter decoder gives a broadcast
/// only for a body the MessagePack decoder accepts; and that every broadcast of either format is
/// for a served namespace, with a non-empty unreserved event, rooms and exceptions of 1 to 256
/// bytes and at most 1000 of each, and never an empty room list (which must reach nobody, let
/// alone the namespace).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let (options, cut) = (input.first ?? 0, input.dropFirst().first ?? 0)
    let body = ByteBuffer(bytes: input.dropFirst(2))
    let namespaces: Set<String> = ["/", "/horizon"]
    let maxBytes = 1024 << Int(options >> 6)  // 1, 2, 4 or 8 KiB

    let messagePack = MessagePackDecoder(maxBytes: maxBytes, maxDepth: 8)
    let value = try? messagePack.decode(body)
    if let value {
        let encoded = MessagePackEncoder.encode(value)
        let again = try? MessagePackDecoder(maxBytes: .max, maxDepth: 8).decode(encoded)
        require(again == value, "\(value) encoded as \(hex(encoded.readableBytesView)) decodes to \(String(describing: again))")
        if let again {
            let reencoded = MessagePackEncoder.encode(again)
            require(reencoded == encoded, "encoding is not a fixed point for \(value)")
        }
        if body.readableBytes > 0 {
            let length = Int(cut) % body.readableBytes
            let prefix = body.getSlice(at: body.readerIndex, length: length)!
            require((try? messagePack.decode(prefix)) == nil, "a \(length)-byte prefix of \(hex(body.readableBytesView)) decodes")
        }
    }

    let channels = ["socket.io#/#", "socket.io#/horizon#", "socket.io#/#project:42#", "socket.io#/#a#b#"]
    let emitter = RedisEmitterMessageDecoder(namespaces: namespaces, maxBytes: maxBytes, maxDepth: 8)
    let fromEmitter = emitter.decode(channel: channels[Int(options & 3)], payload: body)
    if case .broadcast(let broadcast) = fromEmitter {
        require(value != nil, "a broadcast from a body MessagePack refuses: \(broadcast)")
        check(broadcast, namespaces: namespaces)
    }

    let python = PythonSocketIOMessageDecoder(namespaces: namespaces, maxBytes: maxBytes)
    if case .broadcast(let broadcast) = python.decode(body) {
        check(broadcast, namespaces: namespaces)
    }
    return 0
}

private func check(_ broadcast: SocketIOBroadcast, namespaces: Set<String>) {
    require(namespaces.contains(broadcast.namespace), "unserved namespace \(broadcast.namespace)")
    require(!broadcast.event.isEmpty && !SocketIOPacket.isReservedEventName(broadcast.event), "event \(broadcast.event)")
    if case .rooms(let rooms) = broadcast.audience {
        require(!rooms.isEmpty, "an empty room list")
        checkNames(rooms)
    }
    checkNames(broadcast.except)
}

private func checkNames(_ names: [String]) {
    require(names.count <= SocketIORoomNames.maxPerBroadcast, "\(names.count) rooms")
    for name in names {
        require(!name.isEmpty && name.utf8.count <= SocketIORoomNames.maxBytes, "room of \(name.utf8.count) bytes")
    }
}

@_cdecl("fuzz_emitter_message_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
