import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import ZenithConfig

@testable import ZenithProxy

/// Feeds the input as the bytes a client sends on a plain HTTP/1.1 connection, through the
/// codec `DownstreamPipelines.configureHTTP1` builds (`HTTP1ServerCodec`, 64 KiB head limit),
/// and checks every request head that comes out with `RequestHeadFields.read` (the framing,
/// Host, Expect and Upgrade checks the server makes before forwarding). The first input byte is
/// not sent: its bits choose preserve_host, a trusted client and identity encoding for the
/// forwarded head.
///
/// Invariants:
/// - `RequestHeadFields` agrees with a plain model of RFC 9112 §6.3 written here (counts of
///   Content-Length / Transfer-Encoding / Host fields compared case-insensitively), on the
///   problem reported and on the framing;
/// - for an accepted head, the head Zenith would send upstream (`ForwardedRequestHead.write`)
///   parses back with the same codec to exactly one HTTP/1.1 head, with the same method and target, the
///   same framing (so a backend reads the body exactly where Zenith does: no smuggling), the
///   Host it should have, no framing problem, and none of the fields the client's Connection
///   header named.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FuzzInputReader(fuzzInput(data, size))
    let flags = reader.byte()
    let heads = decodeRequestHeads(reader.rest())
    for head in heads {
        let fields = RequestHeadFields.read(head)
        let model = FramingModel(head)
        require(
            fields.framingProblem == model.problem,
            "problem \(String(describing: fields.framingProblem)), model says \(String(describing: model.problem)) for \(head)")
        guard fields.framingProblem == nil else { continue }
        require(fields.framing == model.framing, "framing \(fields.framing), model says \(model.framing) for \(head)")
        checkForwardedHead(head, fields: fields, flags: flags)
    }
    return 0
}

/// The request heads Zenith's HTTP/1 codec decodes from `bytes`, as its server does; the heads
/// before a decoding error are kept (the server acts on them too).
func decodeRequestHeads(_ bytes: [UInt8]) -> [HTTPRequestHead] {
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    try! channel.pipeline.syncOperations.addHandler(HTTP1ServerCodec(headerBytes: 65536))
    _ = try? channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    var heads: [HTTPRequestHead] = []
    while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        if case .head(let head) = part { heads.append(head) }
    }
    return heads
}

/// RFC 9112 §6.3 and §3.2 as plainly as possible, to check `RequestHeadFields` against; and
/// issue 12's rule that a Connection header naming Content-Length, Transfer-Encoding or Host is
/// refused (RFC 9110 §7.6.1), since those fields decide the framing and routing.
struct FramingModel {
    var problem: RequestFraming.Problem?
    var framing = RequestFraming(contentLength: nil, chunked: false)

    init(_ head: HTTPRequestHead) {
        func values(_ name: String) -> [String] {
            head.headers.filter { $0.name.lowercased() == name }.map(\.value)
        }
        let lengths = values("content-length")
        let codings = values("transfer-encoding")
        let hosts = values("host")
        // Split by byte, as a backend reads the list: a `,` followed by a combining mark is one
        // Character, and a Character split would miss it.
        let connectionTokens = values("connection").flatMap { $0.utf8.split(separator: UInt8(ascii: ",")) }
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: " \t").lowercased() }
        let numbers = lengths.map { text -> Int64? in
            guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
            return Int64(text)
        }
        if numbers.contains(where: { $0 == nil }) {
            problem = .invalidContentLength
        } else if lengths.count > 1 {
            problem = .multipleContentLengths
        } else if !codings.isEmpty && head.version == .http1_0 {
            problem = .transferEncodingInHTTP10
        } else if !codings.isEmpty && !lengths.isEmpty {
            problem = .contentLengthWithTransferEncoding
        } else if codings.count > 1
            || (codings.count == 1 && codings[0].trimmingCharacters(in: " \t").lowercased() != "chunked")
        {
            problem = .unsupportedTransferEncoding
        } else if connectionTokens.contains(where: ["host", "content-length", "transfer-encoding"].contains) {
            problem = .connectionNamesFramingField
        } else if hosts.count > 1 {
            problem = .multipleHosts
        } else if hosts.isEmpty && head.version == .http1_1 {
            problem = .missingHost
        }
        framing.contentLength = numbers.first ?? nil
        framing.chunked = codings.count == 1 && problem == nil
    }
}

/// Writes the upstream head for an accepted `head` and checks it (see the invariants above).
func checkForwardedHead(_ head: HTTPRequestHead, fields: RequestHeadFields, flags: UInt8) {
    let server = HostAndPort(host: "backend.test", port: 8080)
    let forwarding = ForwardedRequestHead(
        client: .init(address: try! SocketAddress(ipAddress: "192.0.2.1", port: 50000), scheme: "http"),
        clientIsTrusted: flags & 2 != 0,
        preserveHost: flags & 1 != 0,
        server: server,
        identityEncoding: flags & 4 != 0
    )
    let upgrade = fields.upgrade != nil && HopByHopHeaders(of: head.headers).requestsUpgrade
    var bytes = ByteBuffer()
    forwarding.write(head, framing: fields.framing, upgrade: upgrade, into: &bytes)
    let written = Array(bytes.readableBytesView)
    let text = String(decoding: written, as: UTF8.self).debugDescription

    let reparsed = decodeRequestHeads(written)
    require(reparsed.count == 1, "forwarded head parses to \(reparsed.count) heads: \(text)")
    let forwarded = reparsed[0]
    require(forwarded.method == head.method && forwarded.uri == head.uri, "method or target changed: \(text)")
    require(forwarded.version == .http1_1, "forwarded as \(forwarded.version): \(text)")

    // The client's Host when preserve_host is on and it sent one (an HTTP/1.0 request may
    // not), else the server's authority: an HTTP/1.1 request always has one.
    let expectedHost = forwarding.preserveHost ? head.headers["host"].first ?? server.description : server.description
    require(forwarded.headers["host"] == [expectedHost], "Host \(forwarded.headers["host"]), expected \(expectedHost): \(text)")

    let refields = RequestHeadFields.read(forwarded)
    require(refields.framingProblem == nil, "forwarded head refused: \(refields.framingProblem!): \(text)")
    var expected = fields.framing
    if !expected.chunked && expected.contentLength == nil && [.POST, .PUT, .PATCH].contains(head.method) {
        expected.contentLength = 0
    }
    require(refields.framing == expected, "framing \(fields.framing) forwarded as \(refields.framing): \(text)")

    // Fields the client's Connection header named stay on the client's side, except those
    // Zenith writes itself.
    let ownFields: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "upgrade", "accept-encoding",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
    ]
    let hopByHop = HopByHopHeaders(of: head.headers)
    for (name, _) in forwarded.headers where hopByHop.contains(name) && !ownFields.contains(name.lowercased()) {
        require(false, "hop-by-hop field \(name) was forwarded: \(text)")
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        let whitespace = Set(set)
        var text = Substring(self)
        while let first = text.first, whitespace.contains(first) { text = text.dropFirst() }
        while let last = text.last, whitespace.contains(last) { text = text.dropLast() }
        return text
    }
}

@_cdecl("fuzz_request_head_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
