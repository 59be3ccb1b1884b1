/// Engine.IO session ids: URL-safe characters (`A-Z a-z 0-9 - _`) drawn from the system CSPRNG,
/// after a few characters that name the event loop owning the session, so any request can be
/// routed to that loop from its `sid` alone, without a shared table.
///
/// In a cluster every id starts with the name of the node that owns the session and a dot
/// (`ctl1.BxY…`), so that any node can send a request on to the owner without asking anyone;
/// node names use the same alphabet, at most 32 characters (`[cluster] node`).
///
/// The loop is written in base 64 with as many characters as the server's largest loop index
/// needs (`loopDigits(forLoopCount:)`): one up to 64 loops (ids of 20 characters), two up to
/// 4,096, and so on, so that any number of loops fits. The 19 random characters carry 114 bits,
/// beyond guessing; the loop characters are not secret.
public enum EngineIOSessionID {
    /// Random characters in every id.
    public static let randomLength = 19
    /// Loop characters of an `Int` loop index at most (64^11 > Int.max).
    private static let maxLoopDigits = 11
    /// Characters of an owner node's name at most.
    public static let maxOwnerLength = 32

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let sextetTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// How many characters name the loop in the ids of a server with `loopCount` event loops.
    public static func loopDigits(forLoopCount loopCount: Int) -> Int {
        var digits = 1
        var largest = max(loopCount - 1, 0) >> 6
        while largest > 0 {
            digits += 1
            largest >>= 6
        }
        return digits
    }

    /// A fresh id whose first `loopDigits` characters (after `owner` and a dot, when an owner
    /// is given) encode `loopIndex`.
    public static func make(owner: String = "", loopIndex: Int, loopDigits: Int = 1) -> String {
        var generator = SystemRandomNumberGenerator()
        let local = make(loopIndex: loopIndex, loopDigits: loopDigits, using: &generator)
        return owner.isEmpty ? local : owner + "." + local
    }

    /// A fresh id drawn from `generator` (for tests; production uses the system CSPRNG).
    public static func make<G: RandomNumberGenerator>(
        loopIndex: Int, loopDigits: Int = 1, using generator: inout G
    ) -> String {
        precondition(
            loopIndex >= 0 && Self.loopDigits(forLoopCount: loopIndex + 1) <= loopDigits,
            "loop index \(loopIndex) does not fit in \(loopDigits) characters"
        )
        let length = loopDigits + randomLength
        return String(unsafeUninitializedCapacity: length) { out in
            var index = loopIndex
            for position in stride(from: loopDigits - 1, through: 0, by: -1) {
                out[position] = alphabet[index & 0x3F]
                index >>= 6
            }
            var written = loopDigits
            while written < length {
                // One 64-bit draw gives ten 6-bit characters.
                var bits = generator.next()
                for _ in 0..<10 where written < length {
                    out[written] = alphabet[Int(bits & 0x3F)]
                    bits >>= 6
                    written += 1
                }
            }
            return length
        }
    }

    /// The loop index embedded in `sid` by a server whose ids have `loopDigits` loop characters
    /// (after the owner's name, if any), or nil when `sid` is not such an id.
    public static func loopIndex(of sid: String, loopDigits: Int = 1) -> Int? {
        guard isWellFormed(sid) else { return nil }
        let local = sid.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).last!
        guard local.count == loopDigits + randomLength else { return nil }
        return local.prefix(loopDigits).reduce(0) { $0 << 6 | Int(sextetTable[Int($1)]) }
    }

    /// The owner node named at the start of `sid`, or nil when it names none (one node).
    public static func owner(of sid: Substring) -> Substring? {
        guard let dot = sid.firstIndex(of: ".") else { return nil }
        return sid[..<dot]
    }

    /// Whether `sid` has the shape of an id made here (owner, length and alphabet), so a
    /// malformed one can be refused before any lookup.
    public static func isWellFormed(_ sid: String) -> Bool {
        var count = 0
        var sawOwner = false
        for byte in sid.utf8 {
            if byte == UInt8(ascii: "."), !sawOwner, count >= 1, count <= maxOwnerLength {
                sawOwner = true
                count = 0
                continue
            }
            count += 1
            // Before a dot the characters may still be an owner's name, which may be longer.
            let limit = sawOwner ? randomLength + maxLoopDigits : max(randomLength + maxLoopDigits, maxOwnerLength)
            guard count <= limit, sextetTable[Int(byte)] != 0xFF else { return false }
        }
        return count > randomLength && count <= randomLength + maxLoopDigits
    }
}
