#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared by the harnesses: how an invariant failure is reported, and how one fuzz input is cut
/// into the several values a harness needs (flags, split points, records).

/// Stops the run when `condition` is false: prints `message` (with the file and line of the
/// check) and aborts, which libFuzzer reports as a crash and saves the input as `crash-*`.
@inline(__always)
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition() else { return }
    let text = "INVARIANT FAILED at \(file):\(line): \(message())\n"
    var bytes = Array(text.utf8)
    _ = write(2, &bytes, bytes.count)
    abort()
}

/// The input of one run as a byte array (libFuzzer may pass a null pointer for an empty input).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Reads small control values off the front of an input and leaves the rest as data, so one
/// input can choose options (a limit, where to split reads) as well as carry the bytes parsed.
public struct FuzzInputReader {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    /// The next byte, or 0 once the input is used up.
    public mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return first
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }
}

/// Cuts `bytes` into pieces of 1...`step` bytes (lengths cycling through `pattern`, any byte
/// values), as a socket would deliver them; a zero `step` gives the whole input as one piece.
public func readPieces(_ bytes: [UInt8], pattern: [UInt8]) -> [ArraySlice<UInt8>] {
    guard !pattern.isEmpty, pattern.contains(where: { $0 != 0 }) else { return [bytes[...]] }
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    var turn = 0
    while start < bytes.count {
        let length = max(1, Int(pattern[turn % pattern.count]))
        let end = min(bytes.count, start + length)
        pieces.append(bytes[start..<end])
        start = end
        turn += 1
    }
    return pieces
}

/// Splits `bytes` at every occurrence of `separator` (keeping empty records).
public func records(_ bytes: [UInt8], separator: UInt8) -> [ArraySlice<UInt8>] {
    bytes.split(separator: separator, omittingEmptySubsequences: false)
}

/// Lower-case hex of `bytes`, for messages about small inputs.
public func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// libFuzzer's callback type: `LLVMFuzzerTestOneInput`.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: FuzzTarget
) -> CInt

/// The program's entry: hands the command line to libFuzzer's driver with `target`.
///
/// SwiftPM links an executable target with `main` aliased to `<module>_main` (so that test
/// targets can link it), which a `-parse-as-library` harness does not define by itself; each
/// harness defines that symbol with `@_cdecl` and calls this, instead of libFuzzer's own `main`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ target: FuzzTarget) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, target)
}
