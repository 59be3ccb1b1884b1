/// Engine.IO session ids: 20 URL-safe characters (`A-Z a-z 0-9 - _`) drawn from the system
/// CSPRNG, the first of which names the event loop (0...63) that owns the session, so any
/// request can be routed to that loop from its `sid` alone, without a shared table.
///
/// 19 random characters carry 114 bits, beyond guessing; the loop character is not secret.
public enum EngineIOSessionID {
    /// Characters in every id.
    public static let length = 20
    /// Loop indices that fit in the first character.
    public static let loopIndexRange = 0...63

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let sextetTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()

    /// A fresh id whose first character encodes `loopIndex` (which must be in 0...63).
    public static func make(loopIndex: Int) -> String {
        precondition(loopIndexRange.contains(loopIndex), "loop index \(loopIndex) is outside 0...63")
        var generator = SystemRandomNumberGenerator()
        return make(loopIndex: loopIndex, using: &generator)
    }

    /// A fresh id drawn from `generator` (for tests; production uses the system CSPRNG).
    public static func make<G: RandomNumberGenerator>(loopIndex: Int, using generator: inout G) -> String {
        precondition(loopIndexRange.contains(loopIndex), "loop index \(loopIndex) is outside 0...63")
        return String(unsafeUninitializedCapacity: length) { out in
            out[0] = alphabet[loopIndex]
            var written = 1
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

    /// The loop index embedded in `sid`, or nil when `sid` is not a well-formed id.
    public static func loopIndex(of sid: String) -> Int? {
        guard isWellFormed(sid), let first = sid.utf8.first else { return nil }
        return Int(sextetTable[Int(first)])
    }

    /// Whether `sid` has the shape of an id made here (length and alphabet), so a malformed one
    /// can be refused before any lookup.
    public static func isWellFormed(_ sid: String) -> Bool {
        var count = 0
        for byte in sid.utf8 {
            count += 1
            guard count <= length, sextetTable[Int(byte)] != 0xFF else { return false }
        }
        return count == length
    }
}
