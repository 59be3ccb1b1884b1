/// The byte classes of HTTP's grammar (RFC 9110 §5), shared by the parsers of requests and
/// responses and by the configuration checks of headers Zenith itself sends.
extension UInt8 {
    /// A `tchar` of RFC 9110 §5.6.2: what a field name or token is made of.
    @inlinable
    package var isHTTPTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A byte a field value or reason phrase may hold: visible ASCII, obs-text, space or tab.
    @inlinable
    package var isHTTPFieldValueCharacter: Bool {
        self >= 0x20 ? self != 0x7F : self == UInt8(ascii: "\t")
    }

    /// A space or a horizontal tab (RFC 9110 OWS).
    @inlinable
    package var isHTTPWhitespace: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\t")
    }
}
