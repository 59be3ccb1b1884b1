import FuzzSupport
import NIOCore

@testable import ZenithProxy

/// Feeds an HTML body to `ScriptInjection` (with `HTMLBodyCloseScanner`), the `inject=` route
/// option: the first byte picks the read sizes (a pattern of up to 16 bytes, as
/// `readPieces` cuts them), the rest is the page.
///
/// Invariants: the output is the page with the tag inserted once, and nothing else changed; the tag lands at the same offset however the page is cut into buffers (so the
/// scanner's context carries across buffers exactly); and where it lands, the page continues
/// with `</body>` in any letter case, or it is the end of the page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let patternLength = Int(reader.byte() % 17)
    var pattern: [UInt8] = []
    for _ in 0..<patternLength { pattern.append(reader.byte()) }
    let page = reader.rest()
    let whole = inject([page[...]])
    let pieces = inject(readPieces(page, pattern: pattern))
    require(pieces == whole, "the tag moved when the page came in pieces (pattern \(hex(pattern)))")
    guard let at = injectionOffset(page: page, output: whole) else {
        require(false, "the output is not the page with the tag inserted once, for \(hex(page.prefix(64)))")
        return 0
    }
    let after = page[at...].prefix(7).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    require(at == page.count || after == Array("</body>".utf8), "the tag is at \(at), before \(hex(after))")
    return 0
}

private let source = "/z.js"
private let tag = Array("<script src=\"/z.js\"></script>".utf8)

private func inject(_ pieces: [ArraySlice<UInt8>]) -> [UInt8] {
    var injection = ScriptInjection(source: source, allocator: ByteBufferAllocator())
    var out: [UInt8] = []
    for piece in pieces {
        injection.process(ByteBuffer(bytes: piece)) { out += $0.readableBytesView }
    }
    injection.finish { out += $0.readableBytesView }
    return out
}

/// Where `output` is `page` with the tag inserted, nil when it is not that. The two agree up to
/// the insertion point, give or take the `<` that both the tag and a `</body>` start with.
private func injectionOffset(page: [UInt8], output: [UInt8]) -> Int? {
    guard output.count == page.count + tag.count else { return nil }
    var common = 0
    while common < page.count && page[common] == output[common] { common += 1 }
    for candidate in [common, common - 1] where candidate >= 0 {
        if output[candidate..<candidate + tag.count].elementsEqual(tag)
            && output[(candidate + tag.count)...].elementsEqual(page[candidate...])
        {
            return candidate
        }
    }
    return nil
}

@_cdecl("fuzz_script_injection_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
