import NIOHTTP1
import ZenithText

/// Reads one HTTP/1.x request head (RFC 9112 §3 and §5) from its bytes, as strictly as llhttp
/// (NIOHTTP1's parser, which it replaces on client connections) and in places more: a method
/// NIOHTTP1 knows by name, one space, a target of visible ASCII, one space, `HTTP/1.1` or
/// `HTTP/1.0`; then field lines as `HTTPHeadLines` checks them (no whitespace before the colon,
/// no obsolete line folding, no control bytes, CRLF only). The target and the field names and
/// values may take `headerBytes` in all, counted as NIOHTTP1 counts them, beyond which the
/// client is answered 431. Used by `HTTP1RequestDecoder`; the framing rules are
/// `RequestHeadFields`', applied to the head this returns.
enum RequestHeadParser {
    /// NIOHTTP1's default limit on the fields of one head.
    static let maxFieldCount = Int(UInt16.max) - 1

    /// Parses `bytes`: the request line and field lines, each ending in CRLF, without the empty
    /// line (`HTTPHeadLines.headLength` found where the head ends and checked its line ends).
    static func parse(_ bytes: UnsafeRawBufferPointer, headerBytes: Int) throws(HTTPParserError) -> HTTPRequestHead {
        guard let lineEnd = HTTPHeadLines.lineEnd(in: bytes, from: 0) else { throw .invalidConstant }
        let (method, uri, version) = try Self.requestLine(UnsafeRawBufferPointer(rebasing: bytes[..<lineEnd]))
        var counted = uri.utf8.count
        var fields: [(String, String)] = []
        fields.reserveCapacity(Self.lineCount(bytes, from: lineEnd + 2))
        var lineStart = lineEnd + 2
        while let lineEnd = HTTPHeadLines.lineEnd(in: bytes, from: lineStart) {
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            lineStart = lineEnd + 2
            let field = try Self.fieldLine(line)
            counted += field.name.count + line.count - field.value.lowerBound  // As NIOHTTP1 counted: with trailing whitespace.
            guard counted <= headerBytes, fields.count < Self.maxFieldCount else { throw .headerOverflow }
            fields.append((
                String(decoding: UnsafeRawBufferPointer(rebasing: line[field.name]), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: line[field.value]), as: UTF8.self)
            ))
        }
        guard counted <= headerBytes else { throw .headerOverflow }
        return HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(fields))
    }

    /// A field line as `HTTPHeadLines` checks it; a Content-Length value must be digits with
    /// nothing after them (llhttp refuses whitespace there, a tab at least: so is it here, all of it),
    /// and a Transfer-Encoding value must not be followed by a tab (llhttp then reads the coding
    /// as not `chunked` and refuses the request).
    static func fieldLine(_ line: UnsafeRawBufferPointer) throws(HTTPParserError) -> HTTPHeadLines.FieldLine {
        let field: HTTPHeadLines.FieldLine
        do {
            field = try HTTPHeadLines.fieldLine(line)
        } catch {
            throw .invalidHeaderToken
        }
        if field.name.count == 14, UnsafeRawBufferPointer(rebasing: line[field.name]).equalsIgnoringASCIICase("content-length") {
            // Refused at once, as llhttp does (and `RequestHeadFields` would later).
            guard field.value.upperBound == line.count, !field.value.isEmpty,
                line[field.value].allSatisfy(\.isASCIIDigit)
            else { throw .invalidContentLength }
        }
        if field.name.count == 17, UnsafeRawBufferPointer(rebasing: line[field.name]).equalsIgnoringASCIICase("transfer-encoding"),
            line[field.value.upperBound...].contains(UInt8(ascii: "\t"))
        {
            throw .invalidHeaderToken
        }
        return field
    }

    /// `method SP request-target SP HTTP-version`.
    static func requestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParserError) -> (HTTPMethod, String, HTTPVersion) {
        guard let methodEnd = line.firstIndex(of: UInt8(ascii: " "), from: 0), methodEnd > 0 else { throw .invalidMethod }
        let method = try Self.method(UnsafeRawBufferPointer(rebasing: line[..<methodEnd]))
        let targetStart = methodEnd + 1
        guard let targetEnd = line.firstIndex(of: UInt8(ascii: " "), from: targetStart), targetEnd > targetStart else {
            throw .invalidURL
        }
        let target = UnsafeRawBufferPointer(rebasing: line[targetStart..<targetEnd])
        for byte in target where !(0x21...0x7E).contains(byte) {
            throw .invalidURL
        }
        guard method == .CONNECT || Self.hasRequestTargetForm(target) else { throw .invalidURL }
        let version = UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)...])
        guard version.count == 8, version.starts(with: "HTTP/1.".utf8) else { throw .invalidVersion }
        let minor: Int
        switch version[7] {
        case UInt8(ascii: "1"): minor = 1
        case UInt8(ascii: "0"): minor = 0
        default: throw .invalidVersion
        }
        let uri = String(decoding: target, as: UTF8.self)
        return (method, uri, HTTPVersion(major: 1, minor: minor))
    }

    /// Origin form (`/path`), asterisk form (`*`) or absolute form (`scheme://...`), as llhttp
    /// allows them (RFC 9112 §3.2); CONNECT's authority form is answered 405 whatever it says.
    private static func hasRequestTargetForm(_ target: UnsafeRawBufferPointer) -> Bool {
        if target[0] == UInt8(ascii: "/") { return true }
        if target.count == 1 { return target[0] == UInt8(ascii: "*") }
        func isLetter(_ byte: UInt8) -> Bool { byte.asciiLowercased &- UInt8(ascii: "a") < 26 }
        guard isLetter(target[0]), let colon = target.firstIndex(of: UInt8(ascii: ":"), from: 1) else { return false }
        for byte in target[1..<colon] where !(isLetter(byte) || byte.isASCIIDigit || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."))
        {
            return false
        }
        return target.count > colon + 3 && target[colon + 1] == UInt8(ascii: "/") && target[colon + 2] == UInt8(ascii: "/")
    }

    /// A method NIOHTTP1 names (llhttp refuses the others); the usual ones without a String.
    private static func method(_ token: UnsafeRawBufferPointer) throws(HTTPParserError) -> HTTPMethod {
        if token.elementsEqual("GET".utf8) { return .GET }
        if token.elementsEqual("POST".utf8) { return .POST }
        if token.elementsEqual("HEAD".utf8) { return .HEAD }
        for byte in token where !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) {
            throw .invalidMethod
        }
        let method = HTTPMethod(rawValue: String(decoding: token, as: UTF8.self))
        switch method {
        case .RAW, .MSEARCH:
            // llhttp spells M-SEARCH with its dash, which NIOHTTP1's names lack: refused both ways.
            throw .invalidMethod
        default:
            return method
        }
    }

    /// What NIOHTTP1 counts of a head line, whole or not, against the head limit: the target of
    /// the request line; a field line's name and value, without the whitespace after the colon.
    static func countedBytes(_ line: UnsafeRawBufferPointer, isRequestLine: Bool) -> Int {
        if isRequestLine {
            guard let methodEnd = line.firstIndex(of: UInt8(ascii: " "), from: 0) else { return 0 }
            let targetEnd = line.firstIndex(of: UInt8(ascii: " "), from: methodEnd + 1) ?? line.count
            return targetEnd - methodEnd - 1
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":"), from: 0) else { return line.count }
        var valueStart = colon + 1
        while valueStart < line.count, line[valueStart].isHTTPWhitespace { valueStart += 1 }
        return colon + line.count - valueStart
    }

    /// The number of lines from `start` to the end of `bytes` (each ends in LF).
    private static func lineCount(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var count = 0
        var index = start
        while let lineFeed = bytes.firstIndex(of: UInt8(ascii: "\n"), from: index) {
            count += 1
            index = lineFeed + 1
        }
        return count
    }
}
