import FuzzSupport
import NIOCore
import SocketIOFuzzSupport

@testable import ZenithJSON

/// Feeds the input, as the bytes of a message body, to `JSONParser` (`JSONValue(parsing:)` on a
/// ByteBuffer: the UTF-8-validating path the publish API uses).
///
/// Invariants, for every input the parser accepts:
/// - the same text through the String path (`validateUTF8: false`, as Socket.IO packets take
///   it) parses to the same value: validation changes which inputs are refused, not results;
/// - serialize → parse succeeds and gives an equal value (numbers by value; a non-finite
///   double, from e.g. `1e999`, is written `null` as `JSON.stringify` does, so equality is
///   checked on the serialized value);
/// - serializing is then a fixed point: serialize(parse(serialize(v))) == serialize(v);
/// - the serialized text is UTF-8 and has no raw control characters (every one escaped).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let value = try? JSONValue(parsing: ByteBuffer(bytes: input)) else { return 0 }

    let text = String(decoding: input, as: UTF8.self)
    let fromString = try? JSONValue(parsing: text)
    require(fromString == value, "String path disagrees: \(String(describing: fromString)) vs \(value)")

    let serialized = value.jsonText
    require(!serialized.utf8.contains { $0 < 0x20 }, "raw control character in output \(serialized.debugDescription)")
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue(parsing: ByteBuffer(string: serialized))
    } catch {
        require(false, "serialized text does not parse: \(error) in \(serialized.debugDescription)")
        return 0
    }
    if !value.hasNonFiniteNumber {
        require(reparsed == value, "round trip changed the value: \(value) -> \(serialized) -> \(reparsed)")
    }
    require(reparsed.jsonText == serialized, "serializing is not a fixed point: \(serialized) -> \(reparsed.jsonText)")
    return 0
}

@_cdecl("fuzz_json_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
