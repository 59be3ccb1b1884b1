import EngineIO
import Testing

@Suite("Engine.IO session ids")
struct EngineIOSessionIDTests {
    @Test("an id is 20 URL-safe characters")
    func shape() {
        let sid = EngineIOSessionID.make(loopIndex: 0)
        #expect(sid.utf8.count == 20)
        #expect(sid.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        })
        #expect(EngineIOSessionID.isWellFormed(sid))
    }

    @Test("every loop index from 0 to 63 reads back from its id")
    func loopIndexRoundTrip() {
        for index in 0...63 {
            let sid = EngineIOSessionID.make(loopIndex: index)
            #expect(EngineIOSessionID.loopIndex(of: sid) == index)
        }
    }

    @Test("10,000 ids are all different")
    func uniqueness() {
        var seen = Set<String>()
        for index in 0..<10_000 {
            seen.insert(EngineIOSessionID.make(loopIndex: index % 64))
        }
        #expect(seen.count == 10_000)
    }

    @Test("the random part varies in every position")
    func randomness() {
        // With 64 symbols, 200 ids leave a position constant with probability 64^-199.
        let ids = (0..<200).map { _ in Array(EngineIOSessionID.make(loopIndex: 7).utf8) }
        for position in 1..<20 {
            #expect(Set(ids.map { $0[position] }).count > 1)
        }
        #expect(Set(ids.map { $0[0] }).count == 1)
    }

    @Test("loop indices beyond 63 take more characters and read back", arguments: [64, 65, 1000, 4095, 4096, 1_000_000])
    func wideLoopIndex(index: Int) {
        let digits = EngineIOSessionID.loopDigits(forLoopCount: index + 1)
        let sid = EngineIOSessionID.make(loopIndex: index, loopDigits: digits)
        #expect(sid.utf8.count == digits + 19)
        #expect(EngineIOSessionID.isWellFormed(sid))
        #expect(EngineIOSessionID.loopIndex(of: sid, loopDigits: digits) == index)
        // A server with another width does not take it for one of its own.
        #expect(EngineIOSessionID.loopIndex(of: sid, loopDigits: digits + 1) == nil)
    }

    @Test("loop characters grow with the loop count")
    func loopDigits() {
        #expect(EngineIOSessionID.loopDigits(forLoopCount: 1) == 1)
        #expect(EngineIOSessionID.loopDigits(forLoopCount: 64) == 1)
        #expect(EngineIOSessionID.loopDigits(forLoopCount: 65) == 2)
        #expect(EngineIOSessionID.loopDigits(forLoopCount: 4096) == 2)
        #expect(EngineIOSessionID.loopDigits(forLoopCount: 4097) == 3)
    }

    @Test("a malformed id has no loop index", arguments: [
        "", "A", "AAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAA+A", "ÄAAAAAAAAAAAAAAAAAA",
        String(repeating: "A", count: 31),
    ])
    func malformed(sid: String) {
        #expect(EngineIOSessionID.loopIndex(of: sid) == nil)
        #expect(!EngineIOSessionID.isWellFormed(sid))
    }

    @Test("an id one character too long has no loop index on a server of up to 64 loops")
    func tooLong() {
        #expect(EngineIOSessionID.loopIndex(of: "AAAAAAAAAAAAAAAAAAAAA") == nil)
    }

    @Test("a seeded generator gives reproducible ids")
    func seeded() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        #expect(EngineIOSessionID.make(loopIndex: 5, using: &first) == EngineIOSessionID.make(loopIndex: 5, using: &second))
    }

    @Test("a cluster node's ids start with its name and a dot, and keep their loop")
    func owner() {
        let sid = EngineIOSessionID.make(owner: "ctl-1", loopIndex: 70, loopDigits: 2)
        #expect(sid.hasPrefix("ctl-1."))
        #expect(EngineIOSessionID.isWellFormed(sid))
        #expect(EngineIOSessionID.owner(of: sid[...]) == "ctl-1")
        #expect(EngineIOSessionID.loopIndex(of: sid, loopDigits: 2) == 70)
        #expect(EngineIOSessionID.owner(of: EngineIOSessionID.make(loopIndex: 0)[...]) == nil)
    }

    @Test("owners that are empty, too long, doubled or of other characters are malformed")
    func malformedOwners() {
        let local = EngineIOSessionID.make(loopIndex: 3)
        for bad in [".", "a.b.", String(repeating: "n", count: 33) + ".", "c%1.", "a..", "..", "a. "] {
            #expect(!EngineIOSessionID.isWellFormed(bad + local), "\(bad)")
        }
        #expect(EngineIOSessionID.isWellFormed(String(repeating: "n", count: 32) + "." + local))
    }
}

private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
