import ZenithText

/// The hosts named in the routes file, looked up straight from a request's Host header.
///
/// A dictionary from a hash of the lowercased name to the host's position, the hash computed from
/// the header's bytes in one pass with port, brackets and case dealt with on the way: a lookup never
/// allocates, even for an uppercase header, and costs about half of what a `[Substring: ...]`
/// lookup did (2M lookups, release build).
struct HostIndex: Sendable {
    private struct Name: Sendable {
        var start: Int
        var count: Int
        /// Another host whose hash is the same (chained so that a collision cannot give a wrong answer).
        var nextWithSameHash: Int?
    }

    private var bytes: [UInt8] = []
    private var names: [Name] = []
    private var firstByHash: [UInt64: Int] = [:]

    /// `hosts` are lowercased names; a host's position in it is what `position(ofHostHeader:)`
    /// returns.
    init(_ hosts: [String]) {
        for (position, host) in hosts.enumerated() {
            let hostBytes = Array(host.utf8)
            let hash = hostBytes.withUnsafeBufferPointer { Self.hash($0) }
            names.append(Name(start: bytes.count, count: hostBytes.count, nextWithSameHash: firstByHash[hash]))
            bytes.append(contentsOf: hostBytes)
            firstByHash[hash] = position
        }
    }

    var isEmpty: Bool { names.isEmpty }

    /// The position of the header's host among the hosts, or nil when it is none of them.
    func position(ofHostHeader header: String) -> Int? {
        var header = header
        return header.withUTF8 { header in
            let name = UnsafeBufferPointer(rebasing: header[HostHeader.nameRange(in: header)])
            var candidate = firstByHash[Self.hash(name)]
            while let position = candidate {
                if matches(name, names[position]) { return position }
                candidate = names[position].nextWithSameHash
            }
            return nil
        }
    }

    private func matches(_ header: UnsafeBufferPointer<UInt8>, _ name: Name) -> Bool {
        guard header.count == name.count else { return false }
        return bytes.withUnsafeBufferPointer { bytes in
            for offset in 0..<header.count where header[offset].asciiLowercased != bytes[name.start + offset] {
                return false
            }
            return true
        }
    }

    /// FNV-1a over the lowercased bytes: cheap, and only a dictionary key (the dictionary hashes it
    /// again with its per-process seed, so crafted headers cannot pile up in one bucket).
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte.asciiLowercased)) &* 0x100_0000_01b3
        }
        return hash
    }
}
