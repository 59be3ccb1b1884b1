/// Where the host name is in a Host header value, and how its bytes compare.
///
/// `Example.org:8443` → `Example.org`, `[::1]:80` → `::1`, `example.org.` → `example.org` (the
/// fully qualified form names the same site). Case is folded while comparing, never by copying:
/// the header arrives with every request.
enum HostHeader {
    static func nameRange(in header: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var range: Range<Int>
        if header.first == UInt8(ascii: "[") {
            range = 1..<(header.firstIndex(of: UInt8(ascii: "]")) ?? header.count)
        } else {
            range = 0..<(header.firstIndex(of: UInt8(ascii: ":")) ?? header.count)
        }
        if !range.isEmpty && header[range.upperBound - 1] == UInt8(ascii: ".") {
            range = range.lowerBound..<(range.upperBound - 1)
        }
        return range
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
