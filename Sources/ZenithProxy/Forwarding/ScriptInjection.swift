import NIOCore

/// Inserts `<script src="URL"></script>` into a streamed HTML body, once: right before the
/// `</body>` (in any letter case) that closes the body, as `HTMLBodyCloseScanner` finds it (not
/// one inside a comment, a script or a style), or at the end of the body when none comes. One per
/// response of an `inject=` route, owned by that response's `ProxyExchange` and fed its body
/// buffers in order.
///
/// The body is never gathered: each buffer goes out as slices of itself, and only its last bytes,
/// when they begin a tag that the next buffer decides, wait for that buffer (nine bytes at most).
/// Once the tag is out, buffers pass through untouched.
struct ScriptInjection {
    private enum State {
        /// Nothing (more) to insert.
        case passing
        /// Looking for `</body>`; `held` are the received bytes of an undecided tag (from its `<`).
        case scanning(tag: ByteBuffer, scanner: HTMLBodyCloseScanner, held: ByteBuffer?)
    }

    private static let tagStart = "<script src=\""
    private static let tagEnd = "\"></script>"

    private var state: State

    /// Passes every buffer through, for responses that get no tag.
    static let passThrough = ScriptInjection(state: .passing)

    private init(state: State) {
        self.state = state
    }

    /// Inserts the tag for `source`, which `ScriptSourceSyntax` checked when the routes were read.
    init(source: String, allocator: ByteBufferAllocator) {
        var tag = allocator.buffer(capacity: Self.tagLength(source: source))
        tag.writeString(Self.tagStart)
        tag.writeString(source)
        tag.writeString(Self.tagEnd)
        self.state = .scanning(tag: tag, scanner: HTMLBodyCloseScanner(), held: nil)
    }

    /// How many bytes the tag for `source` adds to a body.
    static func tagLength(source: String) -> Int {
        Self.tagStart.utf8.count + source.utf8.count + Self.tagEnd.utf8.count
    }

    /// Hands `send` what of `buffer` (and of the bytes held back before it) can go out now, in order.
    mutating func process(_ buffer: ByteBuffer, send: (ByteBuffer) -> Void) {
        guard case .scanning(let tag, var scanner, let held) = self.state else {
            send(buffer)
            return
        }
        guard buffer.readableBytes > 0 else { return }
        // The state lets go of the scanner while it scans, so that its buffer is not copied on write.
        self.state = .passing
        let result = buffer.withUnsafeReadableBytes { scanner.scan($0) }
        switch result {
        case .found(nil):
            send(tag)
            if let held { send(held) }
            send(buffer)
        case .found(let offset?):
            if let held { send(held) }
            var rest = buffer
            if offset > 0 { send(rest.readSlice(length: offset)!) }
            send(tag)
            send(rest)
        case .undecided(nil):
            var longer = held ?? buffer
            if held != nil { longer.writeImmutableBuffer(buffer) }
            self.state = .scanning(tag: tag, scanner: scanner, held: longer)
        case .undecided(let offset?):
            if let held { send(held) }
            var rest = buffer
            if offset > 0 { send(rest.readSlice(length: offset)!) }
            self.state = .scanning(tag: tag, scanner: scanner, held: rest)
        case .none:
            if let held { send(held) }
            send(buffer)
            self.state = .scanning(tag: tag, scanner: scanner, held: nil)
        }
    }

    /// At the end of the body: the held bytes, then the tag if no `</body>` came.
    mutating func finish(send: (ByteBuffer) -> Void) {
        guard case .scanning(let tag, _, let held) = self.state else { return }
        self.state = .passing
        if let held {
            send(held)
        }
        send(tag)
    }
}
