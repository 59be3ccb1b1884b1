/// Why a message read from a cluster channel was dropped (logged and counted, never fatal: anyone
/// who can write to Redis can publish there).
public struct ClusterMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
