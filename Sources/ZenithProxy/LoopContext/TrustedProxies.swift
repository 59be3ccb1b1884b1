import NIOCore

/// The client addresses whose forwarding headers (X-Forwarded-*, Forwarded) are believed.
///
/// Built from `[proxy] trusted_proxies` (already validated by the config loader), matched by
/// comparing address bytes under each block's prefix length.
struct TrustedProxies {
    private struct Block {
        var bytes: [UInt8]
        var prefixLength: Int
    }

    private let blocks: [Block]

    init(_ entries: [String]) {
        self.blocks = entries.compactMap { entry in
            let parts = entry.split(separator: "/", maxSplits: 1)
            guard let address = try? SocketAddress(ipAddress: String(parts[0]), port: 0),
                let bytes = address.addressBytes
            else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) ?? bytes.count * 8 : bytes.count * 8
            return Block(bytes: bytes, prefixLength: min(prefix, bytes.count * 8))
        }
    }

    func contains(_ address: SocketAddress?) -> Bool {
        guard !self.blocks.isEmpty, let bytes = address?.addressBytes else { return false }
        return self.blocks.contains { block in
            guard block.bytes.count == bytes.count else { return false }
            var remaining = block.prefixLength
            var index = 0
            while remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if block.bytes[index] & mask != bytes[index] & mask { return false }
                remaining -= 8
                index += 1
            }
            return true
        }
    }
}

extension SocketAddress {
    /// The raw IPv4 (4) or IPv6 (16) address bytes in network order; nil for Unix sockets.
    var addressBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
