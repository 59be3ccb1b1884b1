import NIOCore
import NIOHTTP1
import ZenithText

/// Turns the bytes a backend sends on one keep-alive connection into response parts, one request
/// at a time: the head, body slices that share the read buffer (never copied), and the end.
///
/// A value that returns parts (`next`), driven by `UpstreamConnection`. Written by hand instead of
/// NIOHTTP1's `HTTPResponseDecoder` for speed: that decoder, with the `HTTPRequestEncoder` it needs
/// beside it, took about a fifth of the proxy's CPU time per small request (see
/// docs/benchmarks.md). It is as strict (RFC 9112 §6.3): bad framing is a `Failure`, which the
/// connection answers by closing, and the exchange by a 502.
struct UpstreamResponseDecoder {
    /// Why the bytes from a backend are not a response Zenith will pass on.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case headTooLarge
        case badStatusLine
        case badFieldLine
        case badContentLength
        case conflictingFraming
        /// Connection names Content-Length or Transfer-Encoding: the framing would be dropped as
        /// hop-by-hop on its way to the client.
        case connectionNamesFraming
        case unsupportedTransferEncoding
        case badChunk
        /// Bytes while no request is waiting for an answer.
        case unsolicited

        var description: String {
            switch self {
            case .headTooLarge: return "response head too large"
            case .badStatusLine: return "malformed status line"
            case .badFieldLine: return "malformed header field"
            case .badContentLength: return "invalid or duplicate Content-Length"
            case .conflictingFraming: return "both Content-Length and Transfer-Encoding"
            case .connectionNamesFraming: return "Connection names Content-Length or Transfer-Encoding"
            case .unsupportedTransferEncoding: return "transfer coding other than chunked"
            case .badChunk: return "malformed chunk"
            case .unsolicited: return "bytes without a request"
            }
        }
    }

    private enum State {
        case idle
        /// `scanned`: how far the head's complete lines reach in the bytes received so far.
        case head(requestWasHEAD: Bool, scanned: Int)
        case fixedBody(remaining: Int)
        case chunked(ChunkedBodyDecoder)
        case untilClose
        case messageEnd
        /// After a 101: the bytes that follow belong to the new protocol and are left unread.
        case switched(endDelivered: Bool)
    }

    /// The most a response head, a trailer section or a chunk-size line may take.
    let maxHeadBytes: Int
    private var state = State.idle
    /// The current response lets the connection carry another request.
    private(set) var keepAlive = false

    init(maxHeadBytes: Int) {
        self.maxHeadBytes = maxHeadBytes
    }

    /// A request was sent: the next bytes are its response.
    mutating func requestSent(method: HTTPMethod) {
        self.state = .head(requestWasHEAD: method == .HEAD, scanned: 0)
        self.keepAlive = false
    }

    /// The response runs until the backend closes the connection, and that close ends it.
    var endsAtClose: Bool {
        if case .untilClose = self.state { return true }
        return false
    }

    /// The next part that `buffer` holds, consuming its bytes; nil when more bytes are needed (or
    /// the connection switched protocols, whose bytes stay in `buffer`).
    mutating func next(_ buffer: inout ByteBuffer) throws -> HTTPClientResponsePart? {
        while true {
            switch self.state {
            case .idle:
                if buffer.readableBytes > 0 { throw Failure.unsolicited }
                return nil
            case .head(let requestWasHEAD, var scanned):
                guard let parsed = try self.readHead(&buffer, scanned: &scanned) else {
                    self.state = .head(requestWasHEAD: requestWasHEAD, scanned: scanned)
                    return nil
                }
                let code = parsed.head.status.code
                if code < 200 && code != 101 {
                    // An interim answer (100, 103): the final one follows.
                    self.state = .head(requestWasHEAD: requestWasHEAD, scanned: 0)
                    continue
                }
                self.keepAlive = parsed.keepAlive
                if code == 101 {
                    self.state = .switched(endDelivered: false)
                } else if requestWasHEAD || code == 204 || code == 304 {
                    self.state = .messageEnd
                } else if parsed.chunked {
                    self.state = .chunked(ChunkedBodyDecoder(maxLineBytes: self.maxHeadBytes))
                } else if let length = parsed.contentLength {
                    self.state = length > 0 ? .fixedBody(remaining: length) : .messageEnd
                } else {
                    self.keepAlive = false
                    self.state = .untilClose
                }
                return .head(parsed.head)
            case .fixedBody(let remaining):
                guard let (slice, left) = buffer.readBodySlice(upTo: remaining) else { return nil }
                self.state = left == 0 ? .messageEnd : .fixedBody(remaining: left)
                return .body(slice)
            case .chunked(var body):
                // Trailer fields are checked and dropped: the client side does not forward them.
                let slice = try body.nextData(&buffer) { Self.failure($0) }
                self.state = body.isFinished ? .messageEnd : .chunked(body)
                if let slice { return .body(slice) }
                if !body.isFinished { return nil }
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .body(buffer.readSlice(length: buffer.readableBytes)!)
            case .messageEnd:
                self.state = .idle
                return .end(nil)
            case .switched(let endDelivered):
                guard !endDelivered else { return nil }
                self.state = .switched(endDelivered: true)
                return .end(nil)
            }
        }
    }

    /// The connection closed: the end of a response that runs until the close, or nil.
    mutating func endOfInput() -> HTTPClientResponsePart? {
        guard self.endsAtClose else { return nil }
        self.state = .idle
        return .end(nil)
    }

    /// What the chunked body decoder refuses, as the connection reports it.
    private static func failure(_ malformed: ChunkedBodyDecoder.Malformed) -> Failure {
        switch malformed {
        case .chunk: .badChunk
        case .tooLarge: .headTooLarge
        case .trailerField: .badFieldLine
        }
    }

    private func readHead(_ buffer: inout ByteBuffer, scanned: inout Int) throws -> ResponseHeadParser.Result? {
        let parsed = try buffer.withUnsafeReadableBytes { bytes -> (ResponseHeadParser.Result, Int)? in
            guard let length = try ResponseHeadParser.headLength(in: bytes, resumingAt: &scanned) else { return nil }
            guard length <= self.maxHeadBytes else { throw Failure.headTooLarge }
            return (try ResponseHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<(length - 2)])), length)
        }
        guard let (result, length) = parsed else {
            if buffer.readableBytes > self.maxHeadBytes { throw Failure.headTooLarge }
            return nil
        }
        buffer.moveReaderIndex(forwardBy: length)
        return result
    }
}
