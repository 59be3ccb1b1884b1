import NIOCore

extension ByteBuffer {
    /// Up to `remaining` bytes of a body of known length, as a slice of this buffer (no copy), and
    /// how many remain after it; nil when no byte is readable. Shared by the readers of client
    /// requests and backend responses.
    mutating func readBodySlice<Length: BinaryInteger>(upTo remaining: Length) -> (slice: ByteBuffer, left: Length)? {
        guard self.readableBytes > 0 else { return nil }
        let slice = self.readSlice(length: Int(Swift.min(remaining, Length(self.readableBytes))))!
        return (slice, remaining - Length(slice.readableBytes))
    }
}
