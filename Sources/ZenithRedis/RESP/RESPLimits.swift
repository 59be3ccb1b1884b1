/// The bounds every reply is read within; a reply past one is a protocol error that closes the
/// connection (`RESPDecodingError`), so a broken or hostile server cannot make Zenith buffer
/// without end or recurse deeply.
public struct RESPLimits: Sendable, Hashable {
    /// The longest bulk string accepted, in bytes (Redis's own limit is 512 MiB).
    public var maxBulkLength: Int
    /// The most elements one array may announce.
    public var maxArrayLength: Int
    /// How deeply arrays may nest (1: an array of scalars).
    public var maxDepth: Int
    /// The longest simple-string, error or integer line, in bytes (without its CRLF).
    public var maxLineLength: Int
    /// The most bytes one connection may hold unparsed: a whole reply must fit (the per-element
    /// bounds alone would let nested arrays announce gigabytes).
    public var maxReplyBytes: Int

    /// 16 MiB bulks, 1,048,576 elements per array, 8 levels, 64 KiB lines, 32 MiB per reply: far
    /// above what the cluster's keys, leases and pub/sub messages need.
    public init(
        maxBulkLength: Int = 16 << 20, maxArrayLength: Int = 1 << 20, maxDepth: Int = 8, maxLineLength: Int = 64 << 10,
        maxReplyBytes: Int = 32 << 20
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayLength = maxArrayLength
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
        self.maxReplyBytes = maxReplyBytes
    }
}
