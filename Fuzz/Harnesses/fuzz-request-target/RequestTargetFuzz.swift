import FuzzSupport
import ZenithText

@testable import ZenithProxy

/// Feeds a request target to `RequestTarget(_:host:)`, the normalisation route rules are matched
/// on (issue 12, item 6). The first byte says whether the request has a Host (`dash` when odd),
/// the rest is the target as NIOHTTP1 hands it over (a String).
///
/// Invariants for an accepted target whose origin form is a path: the routing path starts with
/// `/`, has no empty, `.` or `..` segment (a final `/` aside), and no
/// percent-escape of an unreserved character or `/` is left in it; normalising it again changes
/// nothing (so no spelling reaches another rule through a second pass); the origin form is the end
/// of the target as sent, and for an origin-form target the target itself. A refused target is
/// refused for one of the documented reasons (the type is closed, so only crashes are looked for).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let host: String? = reader.byte() & 1 == 1 ? "dash" : nil
    let uri = String(decoding: reader.rest(), as: UTF8.self)
    guard let target = try? RequestTarget(uri, host: host) else { return 0 }
    let path = target.routingPath
    // Asterisk-form (`OPTIONS *`) and other targets without a leading `/` match no rule (every
    // prefix starts with `/`) and are passed as they are: the normalisation is for paths.
    // Bytes, not Characters, throughout: a `/` followed by a combining mark is one Character.
    guard target.originForm.utf8.first == UInt8(ascii: "/") else { return 0 }
    require(path.utf8.first == UInt8(ascii: "/"), "routing path \(path.debugDescription) of \(uri.debugDescription)")
    let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
    for (index, segment) in segments.enumerated() {
        let isLast = index == segments.count - 1
        require(!(segment.isEmpty && !isLast), "empty segment in \(path.debugDescription) of \(uri.debugDescription)")
        require(!segment.elementsEqual(".".utf8) && !segment.elementsEqual("..".utf8),
                "dot segment in \(path.debugDescription) of \(uri.debugDescription)")
    }
    var rest = path.utf8[...]
    while let percent = rest.firstIndex(of: UInt8(ascii: "%")) {
        let escape = rest[percent...].prefix(3)
        if escape.count == 3, let high = escape.dropFirst().first?.hexDigitValue, let low = escape.last?.hexDigitValue {
            let value = high << 4 | low
            let unreserved = (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
                || (value >= 0x30 && value <= 0x39) || "-._~/".utf8.contains(value)
            require(!unreserved, "escape \(String(decoding: escape, as: UTF8.self)) left in \(path.debugDescription)")
        }
        rest = rest[rest.index(after: percent)...]
    }
    let again = try? RequestTarget(String(path), host: host)
    require(again.map { $0.routingPath.utf8.elementsEqual(path.utf8) } ?? false, "normalising \(path.debugDescription) again gives \(String(describing: again?.routingPath))")
    // `http://host` and `http://host?q` have the empty path, which is `/` in origin form.
    let form = target.originForm.utf8
    let endsAsSent = uri.utf8.reversed().starts(with: form.reversed())
    let emptyPathFilled = form.elementsEqual("/".utf8)
        || (form.dropFirst().first == UInt8(ascii: "?") && uri.utf8.reversed().starts(with: form.dropFirst().reversed()))
    require(endsAsSent || emptyPathFilled, "origin form \(target.originForm.debugDescription) of \(uri.debugDescription)")
    if uri.utf8.first == UInt8(ascii: "/") {
        require(target.originForm.utf8.elementsEqual(uri.utf8), "an origin-form target was rewritten: \(uri.debugDescription)")
    }
    return 0
}

@_cdecl("fuzz_request_target_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
