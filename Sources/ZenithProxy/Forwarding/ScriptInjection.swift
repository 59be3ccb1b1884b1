#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Inserts `<script src="URL"></script>` into a streamed HTML body, once: right before the first
/// `</body>` (in any letter case), or at the end of the body when none comes. One per response of
/// an `inject=` route, owned by that response's `ProxyExchange` and fed its body buffers in order.
///
/// The body is never gathered: each buffer goes out as slices of itself, and only its last bytes,
/// when they may begin a `</body>` that the next buffer completes, wait for that buffer (six bytes
/// at most). Once the tag is out, buffers pass through untouched.
struct ScriptInjection {
    private enum State {
        /// Nothing (more) to insert.
        case passing
        /// Looking for `</body>`; `held` are received bytes that may begin it (`<`, `</B`...).
        case scanning(tag: ByteBuffer, held: ByteBuffer?)
    }

    /// Where the closing tag was found in one buffer.
    private enum Match {
        case none
        /// `</body>` starts at this offset.
        case complete(Int)
        /// The buffer ends with the start of `</body>` from this offset.
        case partial(Int)
    }

    /// How the bytes held from the previous buffer go on in the next one.
    private enum Continuation {
        case complete
        /// Still a start of `</body>`, and still short of it.
        case incomplete
        case different
    }

    private static let tagStart = "<script src=\""
    private static let tagEnd = "\"></script>"
    private static let closingBody: [UInt8] = Array("</body>".utf8)

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
        self.state = .scanning(tag: tag, held: nil)
    }

    /// How many bytes the tag for `source` adds to a body.
    static func tagLength(source: String) -> Int {
        Self.tagStart.utf8.count + source.utf8.count + Self.tagEnd.utf8.count
    }

    /// Hands `send` what of `buffer` (and of the bytes held back before it) can go out now, in order.
    mutating func process(_ buffer: ByteBuffer, send: (ByteBuffer) -> Void) {
        guard case .scanning(let tag, let held) = self.state else {
            send(buffer)
            return
        }
        guard buffer.readableBytes > 0 else { return }
        if let held {
            switch Self.continuation(of: held, in: buffer) {
            case .complete:
                self.state = .passing
                send(tag)
                send(held)
                send(buffer)
                return
            case .incomplete:
                var longer = held
                longer.writeImmutableBuffer(buffer)
                self.state = .scanning(tag: tag, held: longer)
                return
            case .different:
                // The held bytes hold no other `<`: no closing tag can start inside them.
                self.state = .scanning(tag: tag, held: nil)
                send(held)
            }
        }
        switch buffer.withUnsafeReadableBytes(Self.find) {
        case .none:
            send(buffer)
        case .complete(let offset):
            self.state = .passing
            var rest = buffer
            if offset > 0 {
                send(rest.readSlice(length: offset)!)
            }
            send(tag)
            send(rest)
        case .partial(let offset):
            var rest = buffer
            if offset > 0 {
                send(rest.readSlice(length: offset)!)
            }
            self.state = .scanning(tag: tag, held: rest)
        }
    }

    /// At the end of the body: the held bytes, then the tag if no `</body>` came.
    mutating func finish(send: (ByteBuffer) -> Void) {
        guard case .scanning(let tag, let held) = self.state else { return }
        self.state = .passing
        if let held {
            send(held)
        }
        send(tag)
    }

    /// The first `</body>` in `bytes`, or a start of one at their end; `<` is found with memchr,
    /// so a body is looked at byte by byte only where it has a `<`.
    private static func find(in bytes: UnsafeRawBufferPointer) -> Match {
        guard let base = bytes.baseAddress else { return .none }
        var start = 0
        while start < bytes.count, let hit = memchr(base + start, Int32(UInt8(ascii: "<")), bytes.count - start) {
            let offset = base.distance(to: UnsafeRawPointer(hit))
            let available = min(Self.closingBody.count, bytes.count - offset)
            if Self.matchesClosingBody(bytes, from: offset, patternOffset: 0, count: available) {
                return available == Self.closingBody.count ? .complete(offset) : .partial(offset)
            }
            start = offset + 1
        }
        return .none
    }

    private static func continuation(of held: ByteBuffer, in buffer: ByteBuffer) -> Continuation {
        let missing = Self.closingBody.count - held.readableBytes
        let available = min(missing, buffer.readableBytes)
        let matches = buffer.withUnsafeReadableBytes {
            Self.matchesClosingBody($0, from: 0, patternOffset: held.readableBytes, count: available)
        }
        guard matches else { return .different }
        return available == missing ? .complete : .incomplete
    }

    /// `count` bytes of `bytes` from `offset` are those of `</body>` from `patternOffset`, ignoring
    /// the case of letters.
    private static func matchesClosingBody(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, patternOffset: Int, count: Int
    ) -> Bool {
        for index in 0..<count {
            var byte = bytes[offset + index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                byte |= 0x20
            }
            if byte != Self.closingBody[patternOffset + index] { return false }
        }
        return true
    }
}
