/// The publish API's shared secret, compared in constant time so that response timing tells an
/// attacker nothing about how much of a guess was right.
struct BearerToken: Sendable {
    private let bytes: [UInt8]

    /// Nil for an empty token (a file with only whitespace).
    init?(fileContents: String) {
        let trimmed = fileContents.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " || $0 == "\t" })
        guard trimmed.count == 1, let token = trimmed.first else { return nil }
        self.bytes = Array(token.utf8)
    }

    /// Whether an `Authorization` header value is `Bearer <this token>`.
    func matches(authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let presented = Array(authorization.utf8.dropFirst(7))
        var difference = UInt8(presented.count == self.bytes.count ? 0 : 1)
        for index in 0..<self.bytes.count {
            difference |= self.bytes[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}
