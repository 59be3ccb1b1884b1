import EngineIO
import NIOCore
import ZenithJSON

/// What recovery keeps, written out when the process stops and read back by the next one on the
/// same node, so that the sockets a drain dropped come back as themselves after a restart:
///
/// `{"v":1,"wall":<ms>,"next":"N","dropped":"D","broadcasts":[{"offset","nsp","rooms","except","frames","age"}],"sockets":[{"pid","id","nsp","rooms","identity","age"}]}`
///
/// Ages are in milliseconds at `wall` (the wall clock when written), since the monotonic clock
/// does not survive the process. Broadcasts with binary frames are not written (the publish API
/// and the cluster only make text ones): a socket that missed one is not recoverable.
extension SocketIORecoveryStore {
    /// Why a saved state could not be read.
    struct PersistenceError: Error, CustomStringConvertible {
        var description: String
    }

    /// The state as bytes, `wallMilliseconds` being the wall clock now.
    func exported(wallMilliseconds: Int64) -> ByteBuffer {
        let (broadcasts, sockets, last, dropped) = self.contents()
        let now = NIODeadline.now()
        var droppedThrough = dropped
        var written: [JSONValue] = []
        for kept in broadcasts {
            var frames: [JSONValue] = []
            for frame in kept.frames.frames {
                guard case .text(let text) = frame else { break }
                frames.append(.string(String(buffer: text)))
            }
            guard frames.count == kept.frames.frames.count else {
                droppedThrough = kept.offset
                written.removeAll()
                continue
            }
            written.append(.object([
                "offset": .string(kept.offset.description), "nsp": .string(kept.namespace), "rooms": Self.audience(kept.audience),
                "except": .array(kept.except.map(JSONValue.string)), "frames": .array(frames),
                "age": .int((now - kept.at).nanoseconds / 1_000_000),
            ]))
        }
        let savedSockets: [JSONValue] = sockets.map { pid, saved in
            .object([
                "pid": .string(pid), "id": .string(saved.socketID), "nsp": .string(saved.namespace),
                "rooms": .array(saved.rooms.sorted().map(JSONValue.string)), "identity": saved.identity.map(JSONValue.string) ?? .null,
                "age": .int((now - saved.at).nanoseconds / 1_000_000),
            ])
        }
        var buffer = ByteBuffer()
        JSONValue.object([
            "v": .int(1), "wall": .int(wallMilliseconds), "next": .string(last.successor.description),
            "dropped": .string(droppedThrough.description),
            "broadcasts": .array(written), "sockets": .array(savedSockets),
        ]).write(into: &buffer)
        return buffer
    }

    /// Replaces the state with one `exported` wrote, aged by the wall-clock time since; returns
    /// how many sockets it holds.
    @discardableResult
    func importState(_ buffer: ByteBuffer, wallMilliseconds: Int64) throws(PersistenceError) -> Int {
        guard case .object(let root)? = try? JSONValue(parsing: buffer), root["v"] == .int(1),
            case .int(let wall)? = root["wall"], case .string(let nextText)? = root["next"], let next = BroadcastOffset(nextText),
            next.sequence > 0, case .string(let droppedText)? = root["dropped"], let dropped = BroadcastOffset(droppedText),
            case .array(let broadcastValues)? = root["broadcasts"], case .array(let socketValues)? = root["sockets"]
        else { throw PersistenceError(description: "not a recovery state written by Zenith") }
        let now = NIODeadline.now()
        let elapsed = max(wallMilliseconds - wall, 0)
        func at(_ age: JSONValue?) throws(PersistenceError) -> NIODeadline {
            guard case .int(let milliseconds)? = age, milliseconds >= 0 else { throw PersistenceError(description: "bad age") }
            return now - .milliseconds(milliseconds + elapsed)
        }
        var broadcasts: [KeptBroadcast] = []
        for case .object(let value) in broadcastValues {
            guard case .string(let offsetText)? = value["offset"], let offset = BroadcastOffset(offsetText),
                case .string(let namespace)? = value["nsp"], case .array(let frameValues)? = value["frames"],
                let audience = Self.audience(value["rooms"]), let except = Self.strings(value["except"])
            else { throw PersistenceError(description: "bad broadcast") }
            let frames = EngineIOBroadcastFrames(frameValues.compactMap { $0.stringValue.map { .text(ByteBuffer(string: $0)) } })
            broadcasts.append(KeptBroadcast(
                offset: offset, namespace: namespace, audience: audience, except: except, frames: frames,
                bytes: frames.frames.reduce(0) { $0 + $1.byteCount }, at: try at(value["age"])
            ))
        }
        var sockets: [(String, SocketIOSavedSocket)] = []
        for case .object(let value) in socketValues {
            guard case .string(let pid)? = value["pid"], case .string(let id)? = value["id"],
                case .string(let namespace)? = value["nsp"], let rooms = Self.strings(value["rooms"])
            else { throw PersistenceError(description: "bad socket") }
            sockets.append((pid, SocketIOSavedSocket(
                socketID: id, namespace: namespace, rooms: Set(rooms), identity: value["identity"]?.stringValue, at: try at(value["age"])
            )))
        }
        let last = BroadcastOffset(milliseconds: next.milliseconds, sequence: next.sequence - 1)
        self.replaceContents(broadcasts: broadcasts, sockets: sockets, last: last, droppedThrough: dropped)
        return sockets.count
    }

    private static func audience(_ audience: SocketIOBroadcast.Audience) -> JSONValue {
        switch audience {
        case .namespace: .string("*")
        case .rooms(let rooms): .array(rooms.map(JSONValue.string))
        }
    }

    private static func audience(_ value: JSONValue?) -> SocketIOBroadcast.Audience? {
        if value == .string("*") { return .namespace }
        return Self.strings(value).map { .rooms($0) }
    }

    private static func strings(_ value: JSONValue?) -> [String]? {
        guard case .array(let values)? = value else { return nil }
        let strings = values.compactMap(\.stringValue)
        return strings.count == values.count ? strings : nil
    }
}
