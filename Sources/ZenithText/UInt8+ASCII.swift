/// One ASCII byte's class and case, for code that reads text as bytes (request heads, queries,
/// host names, JSON) without making Strings. `@inlinable`: called per byte on hot paths, so
/// another module must be able to inline it rather than call it.
extension UInt8 {
    /// `0`-`9`.
    @inlinable
    package var isASCIIDigit: Bool {
        self &- UInt8(ascii: "0") < 10
    }

    /// The byte with `A`-`Z` folded to `a`-`z`; every other byte (non-ASCII too) unchanged.
    @inlinable
    package var asciiLowercased: UInt8 {
        self &- UInt8(ascii: "A") < 26 ? self | 0x20 : self
    }
}
