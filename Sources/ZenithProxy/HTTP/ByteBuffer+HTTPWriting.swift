import NIOCore
import NIOHTTP1

/// Writing HTTP/1.1 request heads straight into a buffer.
extension ByteBuffer {
    /// `METHOD SP target SP HTTP/1.1 CRLF`.
    mutating func writeHTTPRequestLine(method: HTTPMethod, uri: String) {
        self.writeString(method.rawValue)
        self.writeInteger(UInt8(ascii: " "))
        self.writeString(uri)
        self.writeStaticString(" HTTP/1.1\r\n")
    }

    /// `name: value CRLF`; both are checked fields or Zenith's own literals.
    mutating func writeHTTPField(_ name: String, _ value: String) {
        self.writeString(name)
        self.writeStaticString(": ")
        self.writeString(value)
        self.writeStaticString("\r\n")
    }
}
