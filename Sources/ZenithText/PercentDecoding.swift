/// `%XX` decoding (RFC 3986 §2.1) for request paths and query strings.
extension Collection<UInt8> {
    /// The bytes with each `%XX` replaced by the byte it stands for, and `+` by a space when
    /// `plusAsSpace` (the form encoding of query strings); nil when a `%` is not followed by two
    /// hexadecimal digits. The result is bytes: callers decide what else to refuse (NUL, non-UTF-8).
    @inlinable
    package func percentDecoded(plusAsSpace: Bool) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.count)
        var iterator = self.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(), let value = UInt8(hexDigits: high, low)
                else { return nil }
                bytes.append(value)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return bytes
    }
}
