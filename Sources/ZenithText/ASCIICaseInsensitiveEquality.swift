/// ASCII case-insensitive comparison against an all-lowercase text, without allocating: header
/// names and tokens, which HTTP compares that way (RFC 9110 §5.1), arrive with every request.
/// Only `A`-`Z` fold, as in HTTP; other bytes must be equal.
extension Sequence<UInt8> {
    /// Whether these bytes equal `lowercase`, the bytes of an all-lowercase text, ignoring ASCII
    /// case. The one comparison behind the String and literal forms.
    @inlinable
    package func equalsIgnoringASCIICase(lowercaseBytes lowercase: some Sequence<UInt8>) -> Bool {
        var lhs = self.makeIterator()
        var rhs = lowercase.makeIterator()
        while true {
            switch (lhs.next(), rhs.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?):
                if a.asciiLowercased != b { return false }
            default:
                return false
            }
        }
    }

    /// Whether these bytes equal `lowercase`, an all-lowercase ASCII literal, ignoring ASCII case.
    @inlinable
    package func equalsIgnoringASCIICase(_ lowercase: StaticString) -> Bool {
        self.equalsIgnoringASCIICase(
            lowercaseBytes: UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        )
    }
}

extension StringProtocol {
    /// Whether this text equals `lowercase`, an all-lowercase text, ignoring ASCII case.
    @inlinable
    package func equalsIgnoringASCIICase(_ lowercase: String) -> Bool {
        self.utf8.equalsIgnoringASCIICase(lowercaseBytes: lowercase.utf8)
    }
}
