import NIOCore
import ZenithConfig
import ZenithJSON

/// What nodes say on the membership channel: `{"node":"ctl1","advertise":"10.0.0.11:80","say":"up"}`.
/// Every node says `up` every heartbeat; a starting (or reconnected) node says `hello`, which also
/// asks the others to say `up` at once; a stopping node says `down`.
public struct ClusterAnnouncement: Sendable, Equatable {
    /// What the node says of itself.
    public enum Word: String, Sendable {
        case hello, up, down
    }

    public var node: String
    public var advertise: HostAndPort
    public var word: Word

    public init(node: String, advertise: HostAndPort, word: Word) {
        self.node = node
        self.advertise = advertise
        self.word = word
    }

    public func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        JSONValue.object([
            "node": .string(self.node), "advertise": .string(self.advertise.description), "say": .string(self.word.rawValue),
        ]).write(into: &buffer)
        return buffer
    }

    public init(decoding payload: ByteBuffer) throws(ClusterMessageError) {
        guard let json = try? JSONValue(parsing: payload), case .object(let object) = json,
            case .string(let node)? = object["node"], ClusterSettings.isValidNodeName(node),
            case .string(let advertiseText)? = object["advertise"], let advertise = HostAndPort(parsing: advertiseText),
            case .string(let wordText)? = object["say"], let word = Word(rawValue: wordText)
        else { throw ClusterMessageError("announcement is not {node, advertise, say}") }
        self.init(node: node, advertise: advertise, word: word)
    }
}
