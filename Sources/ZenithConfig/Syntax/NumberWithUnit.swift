/// Splits `"250ms"` into `250` and `"ms"`: the shape shared by the duration and size grammars.
enum NumberWithUnit {
    /// The leading ASCII digits as a number and the rest (spaces between them allowed) as the unit;
    /// nil when there are no leading digits or the number does not fit in 64 bits.
    static func split(_ text: some StringProtocol) -> (number: Int64, unit: Substring)? {
        let trimmed = Substring(text).trimmingWhitespace()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        return (number, trimmed[digits.endIndex...].trimmingWhitespace())
    }
}
