/// Where the host name is in a Host header value.
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
}
