import FuzzSupport

@testable import EngineIO

/// Feeds the input as a request target (`/socket.io/?EIO=4&transport=polling&sid=...`) to
/// `EngineIOHandshakeQuery(uri:)` and `validate(method:isWebSocketUpgrade:)`, as the realtime
/// router does for every Engine.IO request. Inputs that are not UTF-8 are skipped (a URI reaches
/// the parser as a String).
///
/// Invariants:
/// - `EIO`, `transport` and `sid` are the values of the parameters of that name, and `value(of:)`
///   finds the first of any name;
/// - every decoded parameter is valid UTF-8 without the raw `&` that separates parameters only
///   when it came percent-encoded (checked by counting: no more parameters than `&`-pieces);
/// - a `.session` intent has a sid that `EngineIOSessionID.isWellFormed` accepts and the
///   transport the upgrade says; a `.handshake` comes only from GET with `EIO=4` and no sid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let uri = String(validating: input, as: UTF8.self) else { return -1 }
    guard let query = try? EngineIOHandshakeQuery(uri: uri) else { return 0 }

    let pieces = uri.utf8.split(separator: UInt8(ascii: "&")).count
    require(query.parameters.count <= pieces, "\(query.parameters.count) parameters from \(pieces) pieces")
    require(query.protocolVersion == query.value(of: "EIO"), "EIO \(String(describing: query.protocolVersion))")
    require(query.transportName == query.value(of: "transport"), "transport \(String(describing: query.transportName))")
    require(query.sid == query.value(of: "sid"), "sid \(String(describing: query.sid))")
    for parameter in query.parameters {
        require(query.value(of: parameter.name) != nil, "value(of: \(parameter.name)) is nil")
    }

    for method in ["GET", "POST"] {
        for upgrade in [false, true] {
            switch try? query.validate(method: method, isWebSocketUpgrade: upgrade) {
            case .session(let sid, let transport)?:
                require(EngineIOSessionID.isWellFormed(sid), "session intent with malformed sid \(sid)")
                require((transport == .websocket) == upgrade, "\(transport) with upgrade \(upgrade)")
            case .handshake(let transport)?:
                require(method == "GET" && query.protocolVersion == "4", "handshake by \(method) EIO \(String(describing: query.protocolVersion))")
                require(query.sid == nil || query.sid == "", "handshake with sid \(query.sid!)")
                require((transport == .websocket) == upgrade, "\(transport) with upgrade \(upgrade)")
            case nil:
                break
            }
        }
    }
    return 0
}

@_cdecl("fuzz_engineio_query_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
