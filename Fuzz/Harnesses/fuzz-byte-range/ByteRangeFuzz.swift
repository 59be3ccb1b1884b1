import FuzzSupport

@testable import ZenithProxy

/// Feeds the input to `ByteRange(header:size:)`, the `Range: bytes=...` parser of static-file
/// routes: the first 8 bytes are the file size (little-endian, made non-negative), the rest the
/// header value as NIOHTTP1 would hand it over (a String; invalid UTF-8 becomes U+FFFD).
///
/// Invariants: a `.partial` range lies inside the file (0 <= first <= last < size), so the
/// responder never seeks or reads outside it; an empty file never gets one; a header that does not
/// start with `bytes=` or lists several ranges is served whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    var fileSize: Int64 = 0
    for shift in stride(from: 0, to: 64, by: 8) {
        fileSize |= Int64(reader.byte()) << shift
    }
    fileSize &= .max
    let header = String(decoding: reader.rest(), as: UTF8.self)
    let range = ByteRange(header: header, size: fileSize)
    switch range {
    case .partial(let first, let last):
        require(0 <= first && first <= last && last < fileSize, "\(range) for a file of \(fileSize) bytes, header \(header.debugDescription)")
    case .whole, .unsatisfiable:
        break
    }
    if !header.hasPrefix("bytes=") || header.contains(",") {
        require(range == .whole, "\(range) for header \(header.debugDescription)")
    }
    return 0
}

@_cdecl("fuzz_byte_range_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
