import NIOHTTP1
import ZenithText

/// Reads one HTTP/1.x response head (RFC 9112 §4 and §5) from its bytes, as strictly as client
/// requests are read: a malformed status line or field line, a duplicate or non-numeric
/// Content-Length, Content-Length beside Transfer-Encoding, or any transfer coding other than a
/// lone `chunked` is refused, and so is a Connection header that names Content-Length or
/// Transfer-Encoding (the framing of what the client is sent is Zenith's own, never a field the
/// backend asked to drop). Used by `UpstreamResponseDecoder`.
///
/// The hop-by-hop fields (RFC 9110 §7.6.1: Connection, the fields it names, Keep-Alive,
/// Transfer-Encoding, ...) describe the backend connection: they are read here and left out of
/// the head, which is the one a client is sent. A 101 keeps them: its Upgrade and Connection are
/// the point.
enum ResponseHeadParser {
    /// A response head and what it says about the message's framing and the connection.
    struct Result {
        /// Without the hop-by-hop fields (except for a 101).
        var head: HTTPResponseHead
        var contentLength: Int?
        var chunked: Bool
        /// The backend allows another request on this connection (RFC 9112 §9.3).
        var keepAlive: Bool
    }

    /// Finds the end of the head at the start of `bytes` (see `HTTPHeadLines.headLength`).
    static func headLength(
        in bytes: UnsafeRawBufferPointer, resumingAt lineStart: inout Int
    ) throws(UpstreamResponseDecoder.Failure) -> Int? {
        do {
            return try HTTPHeadLines.headLength(in: bytes, resumingAt: &lineStart)
        } catch {
            throw error == .startLine ? .badStatusLine : .badFieldLine
        }
    }

    /// Parses `bytes`: the status line and field lines, each ending in CRLF, without the empty line.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(UpstreamResponseDecoder.Failure) -> Result {
        guard let statusEnd = HTTPHeadLines.lineEnd(in: bytes, from: 0) else { throw .badStatusLine }
        let (version, status) = try Self.statusLine(UnsafeRawBufferPointer(rebasing: bytes[..<statusEnd]))
        let keepsHopByHop = status == .switchingProtocols
        var headers: [(String, String)] = []
        headers.reserveCapacity(12)
        var contentLength: Int?
        var chunked = false
        var transferEncodingSeen = false
        var connectionClose = false
        var connectionKeepAlive = false
        /// Other fields the Connection header names (rare): removed once all are read.
        var connectionNamed: [String] = []
        var namesFraming = false
        var lineStart = statusEnd + 2
        while let lineEnd = HTTPHeadLines.lineEnd(in: bytes, from: lineStart) {
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            lineStart = lineEnd + 2
            let field = try Self.fieldLine(line)
            let name = UnsafeRawBufferPointer(rebasing: line[field.name])
            let value = UnsafeRawBufferPointer(rebasing: line[field.value])
            switch name.count {
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                guard contentLength == nil, let length = Self.contentLength(value) else { throw .badContentLength }
                contentLength = length
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                guard !transferEncodingSeen, value.equalsIgnoringASCIICase("chunked") else {
                    throw .unsupportedTransferEncoding
                }
                transferEncodingSeen = true
                chunked = true
                if !keepsHopByHop { continue }
            case 10 where name.equalsIgnoringASCIICase("connection"):
                Self.forEachToken(in: value) { token in
                    if token.equalsIgnoringASCIICase("close") {
                        connectionClose = true
                    } else if token.equalsIgnoringASCIICase("keep-alive") {
                        connectionKeepAlive = true
                    } else if token.equalsIgnoringASCIICase("content-length")
                        || token.equalsIgnoringASCIICase("transfer-encoding")
                    {
                        namesFraming = true
                    } else if !token.isEmpty {
                        connectionNamed.append(String(decoding: token, as: UTF8.self))
                    }
                }
                if !keepsHopByHop { continue }
            default:
                if !keepsHopByHop && name.isAlwaysHopByHop { continue }
            }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        if chunked && contentLength != nil { throw .conflictingFraming }
        if namesFraming && !keepsHopByHop { throw .connectionNamesFraming }
        // A transfer coding in an HTTP/1.0 response cannot be trusted (RFC 9112 §6.1).
        if chunked && version == .http1_0 { throw .unsupportedTransferEncoding }
        if !keepsHopByHop && !connectionNamed.isEmpty {
            headers.removeAll { field in connectionNamed.contains { field.0.equalsIgnoringASCIICase($0.lowercased()) } }
        }
        return Result(
            head: HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(headers)),
            contentLength: contentLength,
            chunked: chunked,
            keepAlive: !connectionClose && (version == .http1_1 || connectionKeepAlive)
        )
    }

    /// Checks a field line (see `HTTPHeadLines.fieldLine`).
    static func fieldLine(_ line: UnsafeRawBufferPointer) throws(UpstreamResponseDecoder.Failure) -> HTTPHeadLines.FieldLine {
        do {
            return try HTTPHeadLines.fieldLine(line)
        } catch {
            throw .badFieldLine
        }
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason-phrase]`.
    private static func statusLine(
        _ line: UnsafeRawBufferPointer
    ) throws(UpstreamResponseDecoder.Failure) -> (HTTPVersion, HTTPResponseStatus) {
        guard line.count >= 12, line.starts(with: "HTTP/1.".utf8), line[8] == UInt8(ascii: " ") else {
            throw .badStatusLine
        }
        let version: HTTPVersion
        switch line[7] {
        case UInt8(ascii: "1"): version = .http1_1
        case UInt8(ascii: "0"): version = .http1_0
        default: throw .badStatusLine
        }
        var code = 0
        for byte in line[9..<12] {
            guard byte.isASCIIDigit else { throw .badStatusLine }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard code >= 100 else { throw .badStatusLine }
        var status = HTTPResponseStatus(statusCode: code)
        if line.count > 12 {
            guard line[12] == UInt8(ascii: " ") else { throw .badStatusLine }
            let reason = line[13...]
            for byte in reason where !byte.isHTTPFieldValueCharacter {
                throw .badStatusLine
            }
            // Known codes keep NIO's standard phrase; only an unknown code carries its own.
            if case .custom = status {
                status = HTTPResponseStatus(
                    statusCode: code, reasonPhrase: String(decoding: UnsafeRawBufferPointer(rebasing: reason), as: UTF8.self)
                )
            }
        }
        return (version, status)
    }

    /// 1 to 18 digits and nothing else (RFC 9110 §8.6): no sign, no list, no overflow.
    private static func contentLength(_ value: UnsafeRawBufferPointer) -> Int? {
        guard (1...18).contains(value.count) else { return nil }
        var length = 0
        for byte in value {
            guard byte.isASCIIDigit else { return nil }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length
    }

    /// Calls `body` with each comma-separated token of `value`, trimmed.
    private static func forEachToken(in value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start <= value.count {
            let comma = value.firstIndex(of: UInt8(ascii: ","), from: start) ?? value.count
            body(UnsafeRawBufferPointer(rebasing: value[value.trimmingHTTPWhitespace(start..<comma)]))
            start = comma + 1
        }
    }
}
