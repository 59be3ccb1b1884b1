/// Hexadecimal digits as bytes: reading `%XX` escapes, `\uXXXX` and chunk sizes, and writing
/// escapes, chunk sizes and digests, without going through `String(radix:)`.
extension UInt8 {
    /// The value of this byte as a hexadecimal digit (either case), or nil.
    @inlinable
    package var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The byte written as the two hexadecimal digits `high` `low` (either case), nil if either
    /// is not a digit.
    @inlinable
    package init?(hexDigits high: UInt8, _ low: UInt8) {
        guard let high = high.hexDigitValue, let low = low.hexDigitValue else { return nil }
        self = high << 4 | low
    }

    /// The lowercase hexadecimal digit for `nibble` (0-15).
    @inlinable
    package static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal, two digits each (a digest as an ETag or cache key).
    package var lowercaseHexString: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(self.underestimatedCount * 2)
        for byte in self {
            digits.append(UInt8.lowercaseHexDigit(byte >> 4))
            digits.append(UInt8.lowercaseHexDigit(byte & 0x0F))
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
