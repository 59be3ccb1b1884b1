import NIOCore
import ZenithText

/// A strict RFC 8259 JSON parser over UTF-8 bytes, producing ``JSONValue``.
///
/// One pass, no intermediate tokens. Strict: one value with optional surrounding whitespace
/// (space, tab, LF, CR), no trailing data, no leading zeros, no `1.` or `.5`, no raw control
/// characters in strings, nesting bounded by `maxDepth`. A `\u` escape of a lone surrogate,
/// which `JSON.stringify` emits for a JavaScript string cut inside a pair, becomes U+FFFD since a
/// Swift string cannot hold it.
package struct JSONParser {
    package static let defaultMaxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private let maxDepth: Int
    /// False when the bytes come from a Swift String and are known to be UTF-8.
    private let validateUTF8: Bool

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int, validateUTF8: Bool) {
        self.bytes = bytes
        self.index = 0
        self.maxDepth = maxDepth
        self.validateUTF8 = validateUTF8
    }

    /// Parses exactly one JSON value from `bytes`.
    package static func parse(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = defaultMaxDepth,
        validateUTF8: Bool
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, validateUTF8: validateUTF8)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw JSONParseError(.trailingData, at: parser.index) }
        return value
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        case let byte:
            throw JSONParseError(.unexpectedByte(byte), at: index)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        for offset in 0..<count {
            guard index + offset < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index + offset) }
            let byte = bytes[index + offset]
            guard byte == text[offset] else { throw JSONParseError(.unexpectedByte(byte), at: index + offset) }
        }
        index += count
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // [
        skipWhitespace()
        var elements: [JSONValue] = []
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            let byte = try peek()
            index += 1
            switch byte {
            case UInt8(ascii: ","): skipWhitespace()
            case UInt8(ascii: "]"): return .array(elements)
            default: throw JSONParseError(.unexpectedByte(byte), at: index - 1)
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // {
        skipWhitespace()
        var keys: [String] = []
        var values: [JSONValue] = []
        // Built only for larger objects, where a linear duplicate check would be quadratic.
        var positions: [String: Int]? = nil
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        while true {
            let quote = try peek()
            guard quote == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte(quote), at: index) }
            let key = try parseString()
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte(colon), at: index) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)

            // JSON.parse semantics for a repeated key: first position, last value.
            if positions == nil, keys.count >= 16 {
                positions = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            }
            let existing = positions.map { $0[key] } ?? keys.firstIndex(of: key)
            if let existing {
                values[existing] = value
            } else {
                positions?[key] = keys.count
                keys.append(key)
                values.append(value)
            }

            skipWhitespace()
            let byte = try peek()
            index += 1
            switch byte {
            case UInt8(ascii: ","): skipWhitespace()
            case UInt8(ascii: "}"): return .object(JSONObject(uniqueKeys: keys, values: values))
            default: throw JSONParseError(.unexpectedByte(byte), at: index - 1)
            }
        }
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        // Integer part: "0" or a non-zero digit followed by digits.
        guard index < bytes.count, bytes[index].isASCIIDigit else { throw JSONParseError(.invalidNumber, at: index) }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, bytes[index].isASCIIDigit { throw JSONParseError(.invalidNumber, at: index) }
        } else {
            while index < bytes.count, bytes[index].isASCIIDigit {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = sum
                index += 1
            }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, bytes[index].isASCIIDigit else { throw JSONParseError(.invalidNumber, at: index) }
            while index < bytes.count, bytes[index].isASCIIDigit { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, bytes[index].isASCIIDigit else { throw JSONParseError(.invalidNumber, at: index) }
            while index < bytes.count, bytes[index].isASCIIDigit { index += 1 }
        }
        if isInteger, !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(0 &- Int64(truncatingIfNeeded: magnitude)) }
        }
        // The grammar is checked above, so the standard library's conversion sees only JSON numbers.
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(.invalidNumber, at: start) }
        return .double(value)
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        var sawNonASCII = false
        // Fast path: no escapes, the string is the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try makeString(slice, checkUTF8: sawNonASCII, at: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw JSONParseError(.controlCharacterInString, at: index) }
            if byte >= 0x80 { sawNonASCII = true }
            index += 1
        }
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }

        var scratch: [UInt8] = []
        scratch.reserveCapacity(index - start + 16)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                if sawNonASCII, validateUTF8 {
                    guard let string = String(validating: scratch, as: UTF8.self) else {
                        throw JSONParseError(.invalidUTF8, at: start)
                    }
                    return string
                }
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &scratch)
            case 0..<0x20:
                throw JSONParseError(.controlCharacterInString, at: index)
            default:
                if byte >= 0x80 { sawNonASCII = true }
                scratch.append(byte)
                index += 1
            }
        }
        throw JSONParseError(.unexpectedEnd, at: index)
    }

    private func makeString(_ slice: UnsafeRawBufferPointer, checkUTF8: Bool, at offset: Int) throws(JSONParseError) -> String {
        if checkUTF8, validateUTF8 {
            guard let string = String(validating: slice, as: UTF8.self) else {
                throw JSONParseError(.invalidUTF8, at: offset)
            }
            return string
        }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Parses the escape at `index` (a backslash) and appends its UTF-8 bytes.
    private mutating func parseEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalarValue = UInt32(unit)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate pairs only with an immediately following \uDC00-\uDFFF.
                if index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let save = index
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        index = save
                        scalarValue = 0xFFFD
                    }
                } else {
                    scalarValue = 0xFFFD
                }
            case 0xDC00...0xDFFF:
                scalarValue = 0xFFFD
            default:
                break
            }
            let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
            scratch.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw JSONParseError(.invalidEscape, at: escapeStart)
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw JSONParseError(.unexpectedEnd, at: bytes.count) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = bytes[index].hexDigitValue else { throw JSONParseError(.invalidEscape, at: index) }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: - Bytes

    private func peek() throws(JSONParseError) -> UInt8 {
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        return bytes[index]
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }
}

extension JSONValue {
    /// Parses one JSON value from `text`. Strict RFC 8259; see ``JSONParseError`` for the cases.
    public init(parsing text: String, maxDepth: Int = 64) throws(JSONParseError) {
        var text = text
        // withUTF8 only rethrows untyped errors, so the typed error travels in a Result.
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONParseError) in
                try JSONParser.parse(UnsafeRawBufferPointer(bytes), maxDepth: maxDepth, validateUTF8: false)
            }
        }
        self = try result.get()
    }

    /// Parses one JSON value from the readable bytes of `buffer`, which must be UTF-8.
    public init(parsing buffer: ByteBuffer, maxDepth: Int = 64) throws(JSONParseError) {
        let result = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONParseError) in
                try JSONParser.parse(bytes, maxDepth: maxDepth, validateUTF8: true)
            }
        }
        self = try result.get()
    }
}
