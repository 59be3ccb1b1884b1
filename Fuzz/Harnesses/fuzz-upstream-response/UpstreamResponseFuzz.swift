import FuzzSupport
import NIOCore
import NIOHTTP1

@testable import ZenithProxy

/// Feeds the input as the bytes a backend answers one request with to `UpstreamResponseDecoder`
/// (and so `ResponseHeadParser`, Content-Length bodies, the chunked decoder with extensions and
/// trailers, interim 1xx answers, bodies that run to the close), as `UpstreamConnection` drives
/// it: `next` until nil after each read, `endOfInput` at the close. The first input byte is not
/// sent: bit 0 makes the request a HEAD, bit 1 a 256-byte head limit (else 8 KiB), bits 2-7 the
/// size of each read (0: all at once).
///
/// Invariants:
/// - the parts (bodies joined), and whether it fails, are the same whether the bytes come in
///   one read or many: where reads split the bytes never changes the result;
/// - at most one head, nothing before it, nothing after the end; the body never holds more
///   bytes than were received, and a completed Content-Length body (not HEAD/1xx/204/304) has
///   exactly that many bytes;
/// - a head other than a 101 carries no hop-by-hop field (it is the one a client is sent), and
///   every field name is a token and every value free of CR, LF and NUL (no response splitting
///   towards the client).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let flags = reader.byte()
    let bytes = reader.rest()
    let method: HTTPMethod = flags & 1 != 0 ? .HEAD : .GET
    let maxHeadBytes = flags & 2 != 0 ? 256 : 8192
    let step = flags >> 2

    let whole = decode([bytes[...]], method: method, maxHeadBytes: maxHeadBytes)
    let split = decode(readPieces(bytes, pattern: [step]), method: method, maxHeadBytes: maxHeadBytes)
    // The kind of failure may differ (a malformed line in a head that is also too large is
    // seen in one read, while the size limit trips first when it comes in pieces); whether it
    // fails and every part before that may not.
    require(
        whole.parts == split.parts && (whole.failure == nil) == (split.failure == nil),
        "one read gives \(whole), reads of \(step) give \(split)")
    check(whole, method: method, received: bytes.count)
    return 0
}

/// What the decoder made of a response: its parts, consecutive body slices joined, and the
/// failure that stopped it, if any.
struct Outcome: Equatable {
    enum Part: Equatable {
        case head(HTTPResponseHead)
        case body([UInt8])
        case end
    }

    var parts: [Part] = []
    var failure: UpstreamResponseDecoder.Failure?

    mutating func append(_ part: HTTPClientResponsePart) {
        switch part {
        case .head(let head):
            parts.append(.head(head))
        case .body(let slice):
            if case .body(let earlier)? = parts.last {
                parts[parts.count - 1] = .body(earlier + Array(slice.readableBytesView))
            } else {
                parts.append(.body(Array(slice.readableBytesView)))
            }
        case .end:
            parts.append(.end)
        }
    }
}

func decode(_ reads: [ArraySlice<UInt8>], method: HTTPMethod, maxHeadBytes: Int) -> Outcome {
    var decoder = UpstreamResponseDecoder(maxHeadBytes: maxHeadBytes)
    decoder.requestSent(method: method)
    var outcome = Outcome()
    var received = ByteBuffer()
    do {
        for read in reads {
            received.writeBytes(read)
            while let part = try decoder.next(&received) {
                outcome.append(part)
            }
        }
        if let end = decoder.endOfInput() {
            outcome.append(end)
        }
    } catch let failure as UpstreamResponseDecoder.Failure {
        outcome.failure = failure
    } catch {
        require(false, "unexpected error type \(error)")
    }
    return outcome
}

func check(_ outcome: Outcome, method: HTTPMethod, received: Int) {
    var head: HTTPResponseHead?
    var bodyBytes = 0
    var ended = false
    for part in outcome.parts {
        require(!ended, "a part after the end: \(outcome.parts)")
        switch part {
        case .head(let next):
            require(head == nil, "two heads for one request: \(outcome.parts)")
            head = next
            checkHead(next)
        case .body(let bytes):
            require(head != nil, "body before the head")
            bodyBytes += bytes.count
        case .end:
            require(head != nil, "end before the head")
            ended = true
        }
    }
    require(bodyBytes <= received, "\(bodyBytes) body bytes out of \(received) received")
    guard let head, ended else { return }
    let code = head.status.code
    let bodiless = method == .HEAD || code < 200 || code == 204 || code == 304
    if bodiless {
        require(bodyBytes == 0, "\(bodyBytes) body bytes in a \(code) answer to \(method)")
    } else if let length = head.headers["content-length"].first.flatMap({ Int($0) }) {
        require(bodyBytes == length, "Content-Length \(length) but \(bodyBytes) body bytes")
    }
}

func checkHead(_ head: HTTPResponseHead) {
    let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
        "proxy-authenticate", "proxy-authorization",
    ]
    for (name, value) in head.headers {
        require(!name.isEmpty && name.utf8.allSatisfy(\.isTokenCharacter), "field name \(name.debugDescription)")
        require(!value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }, "field value \(value.debugDescription)")
        if head.status != .switchingProtocols {
            require(!hopByHop.contains(name.lowercased()), "hop-by-hop \(name) passed on in a \(head.status.code)")
        }
    }
    if case .custom(_, let reason) = head.status {
        require(!reason.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }, "reason phrase \(reason.debugDescription)")
    }
}

extension UInt8 {
    /// RFC 9110 §5.6.2 tchar.
    var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(self)
        }
    }
}

@_cdecl("fuzz_upstream_response_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
