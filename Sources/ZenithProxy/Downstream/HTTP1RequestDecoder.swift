import NIOCore
import NIOHTTP1

/// Turns the bytes a client sends on an HTTP/1.x connection into request parts, as NIOHTTP1's
/// `HTTPRequestDecoder` did (the same parts, the same `HTTPParserError`s, so that
/// `DownstreamConnectionHandler` serves HTTP/1.1 and, from `HTTP2StreamsHandler`, HTTP/2 alike): the
/// head, body parts that are slices of the read buffer (never copied), and the end. A value that
/// returns parts (`next`), driven by `HTTP1ServerCodec`; written by hand for speed and memory
/// (see docs/benchmarks.md).
///
/// The body's framing is `RequestHeadFields`' reading of the head, the same one that
/// `DownstreamConnectionHandler` refuses or forwards by: a head whose framing it refuses is
/// delivered (to be answered 400) and nothing after it is read, so no byte of an ambiguous body
/// is ever taken for a request. Nothing is read either after a request that asks for an upgrade
/// (or CONNECT): those bytes belong to the next protocol, if the upgrade is accepted. After a
/// request that closes the connection, bytes other than CR or LF are `.closedConnection`.
struct HTTP1RequestDecoder {
    private enum State {
        /// Before a request line, or in a head not all received yet.
        case head(HeadProgress)
        case fixedBody(remaining: Int64)
        case chunked(ChunkedBodyDecoder)
        case messageEnd
        /// After a request that closes the connection (RFC 9112 §9.6).
        case closed
        /// After an upgrade request, a refused framing or an error: the rest is not read.
        case stopped
    }

    /// Target, field names and values of one head, counted as NIOHTTP1 counts them.
    let headerBytes: Int
    private var state = State.head(HeadProgress())
    /// The request being read lets the connection carry another one.
    private var keepAlive = true
    /// The request being read asks for an upgrade, or is CONNECT.
    private var endsParsing = false

    init(headerBytes: Int) {
        self.headerBytes = headerBytes
    }

    /// The most raw bytes a head may take while its end has not come: the counted limit plus
    /// room for the request line, colons, whitespace and line ends.
    private var maxRawHeadBytes: Int { 2 * self.headerBytes + 4096 }

    /// A request's head was read and its body or end has not been: the connection closing now
    /// cuts it short.
    var isInsideMessage: Bool {
        switch self.state {
        case .fixedBody, .chunked, .messageEnd: return true
        case .head, .closed, .stopped: return false
        }
    }

    /// The next bytes are a request head (so any received bytes are part of one).
    var awaitsHead: Bool {
        if case .head = self.state { return true }
        return false
    }

    /// Nothing more will be decoded: after an upgrade request or CONNECT, a refused framing or an
    /// error. The bytes after those are the next protocol's (or nobody's), not requests.
    var isStopped: Bool {
        if case .stopped = self.state { return true }
        return false
    }

    /// Nothing more is read: called after an error.
    mutating func stop() {
        self.state = .stopped
    }

    /// The next part `buffer` holds, consuming its bytes; nil when more bytes are needed, or
    /// when nothing more is read (the bytes then stay in `buffer`).
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTPParserError) -> HTTPServerRequestPart? {
        while true {
            switch self.state {
            case .head(var progress):
                if progress.scanned == 0 {
                    Self.skipEmptyLines(&buffer)  // RFC 9112 §2.2, as llhttp does.
                }
                guard let head = try self.readHead(&buffer, progress: &progress) else {
                    self.state = .head(progress)
                    return nil
                }
                self.headRead(head)
                return .head(head)
            case .fixedBody(let remaining):
                guard let (slice, left) = buffer.readBodySlice(upTo: remaining) else { return nil }
                self.state = left == 0 ? .messageEnd : .fixedBody(remaining: left)
                return .body(slice)
            case .chunked(var body):
                let slice = try body.nextData(&buffer) { Self.parserError($0) }
                self.state = body.isFinished ? .messageEnd : .chunked(body)
                if let slice { return .body(slice) }
                if !body.isFinished { return nil }
            case .messageEnd:
                self.state = self.endsParsing ? .stopped : self.keepAlive ? .head(HeadProgress()) : .closed
                // Trailer fields were checked and dropped: nothing downstream forwards them.
                return .end(nil)
            case .closed:
                Self.skipEmptyLines(&buffer)
                guard buffer.readableBytes == 0 else { throw .closedConnection }
                return nil
            case .stopped:
                return nil
            }
        }
    }

    /// Chooses how the body after `head` is read, from the same reading of the head that admits
    /// or refuses it.
    private mutating func headRead(_ head: HTTPRequestHead) {
        let fields = RequestHeadFields.read(head)
        self.keepAlive = head.isKeepAlive
        self.endsParsing = head.method == .CONNECT
            || (fields.upgrade != nil && HopByHopHeaders(of: head.headers).requestsUpgrade)
        if fields.framingProblem != nil {
            self.state = .stopped
        } else if fields.framing.chunked {
            self.state = .chunked(ChunkedBodyDecoder(maxLineBytes: self.headerBytes))
        } else if let length = fields.framing.contentLength, length > 0 {
            self.state = .fixedBody(remaining: length)
        } else {
            self.state = .messageEnd
        }
    }

    private func readHead(_ buffer: inout ByteBuffer, progress: inout HeadProgress) throws(HTTPParserError) -> HTTPRequestHead? {
        let headerBytes = self.headerBytes
        let parsed = try buffer.withUnsafeReadableBytes { bytes throws(HTTPParserError) -> (HTTPRequestHead, Int)? in
            let completeLinesEnd = progress.scanned
            let length: Int?
            do {
                length = try HTTPHeadLines.headLength(in: bytes, resumingAt: &progress.scanned)
            } catch {
                // NIOHTTP1 reads a head in order: one too large before its malformed line is 431.
                try progress.count(bytes, completeLinesFrom: completeLinesEnd, headerBytes: headerBytes, partialLine: false)
                throw (error as? HTTPHeadLines.Malformed) == .startLine ? .invalidVersion : .invalidHeaderToken
            }
            if let length {
                let head = try RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<(length - 2)]), headerBytes: headerBytes)
                return (head, length)
            }
            // Not all here: counted as NIOHTTP1 counts a head as it arrives, so that one too
            // large is answered 431 without waiting for its end.
            try progress.count(bytes, completeLinesFrom: completeLinesEnd, headerBytes: headerBytes, partialLine: true)
            return nil
        }
        guard let (head, length) = parsed else {
            if buffer.readableBytes > self.maxRawHeadBytes { throw .headerOverflow }
            return nil
        }
        buffer.moveReaderIndex(forwardBy: length)
        return head
    }

    /// How NIOHTTP1 called what the chunked body decoder refuses.
    private static func parserError(_ malformed: ChunkedBodyDecoder.Malformed) -> HTTPParserError {
        switch malformed {
        case .chunk: .invalidChunkSize
        case .tooLarge: .headerOverflow
        case .trailerField: .invalidHeaderToken
        }
    }

    /// Skips the CR and LF bytes at the start of `buffer`.
    private static func skipEmptyLines(_ buffer: inout ByteBuffer) {
        let skipped = buffer.withUnsafeReadableBytes { bytes in
            bytes.prefix { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }.count
        }
        if skipped > 0 { buffer.moveReaderIndex(forwardBy: skipped) }
    }
}

/// How much of a request head that is not all received yet has been looked at.
struct HeadProgress {
    /// Where the first line not complete yet starts (the head's complete lines end there).
    var scanned = 0
    /// The target, field names and values of the complete lines, as NIOHTTP1 counts them.
    var counted = 0

    /// Counts the lines completed since `start`, and the partial line after them if `partialLine`,
    /// and refuses the head once they pass `headerBytes`.
    mutating func count(
        _ bytes: UnsafeRawBufferPointer, completeLinesFrom start: Int, headerBytes: Int, partialLine: Bool
    ) throws(HTTPParserError) {
        var lineStart = start
        while lineStart < self.scanned {
            // Checked as they are counted, in order, as llhttp reads them.
            let lineEnd = HTTPHeadLines.lineEnd(in: bytes, from: lineStart)!
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            if lineStart == 0 {
                self.counted += try RequestHeadParser.requestLine(line).1.utf8.count
            } else {
                let field = try RequestHeadParser.fieldLine(line)
                self.counted += field.name.count + line.count - field.value.lowerBound  // As NIOHTTP1 counted: with trailing whitespace.
            }
            if self.counted > headerBytes { throw .headerOverflow }
            lineStart = lineEnd + 2
        }
        let partial = !partialLine ? 0 : RequestHeadParser.countedBytes(
            UnsafeRawBufferPointer(rebasing: bytes[self.scanned...]), isRequestLine: self.scanned == 0
        )
        if self.counted + partial > headerBytes { throw .headerOverflow }
    }
}
