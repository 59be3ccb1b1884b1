#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ZenithText

/// Finds the `</body>` that closes a streamed HTML page's body, as a browser's tokenizer would
/// (HTML Living Standard §13.2.5): not one inside a comment, a `<script>` or `<style>` (raw text),
/// or a `<textarea>` or `<title>` (escapable raw text), where `</body>` is only text.
///
/// A value fed the page's buffers in order; it carries its context from one buffer to the next,
/// including a `<` whose meaning the buffer's last bytes leave open (at most nine bytes decide it).
/// Text is skipped with memchr to the next `<`, and comments and raw text to the next `-` or `<`.
struct HTMLBodyCloseScanner {
    /// What one buffer held.
    enum Result: Equatable {
        /// No `</body>`, and nothing open at the buffer's end.
        case none
        /// `</body>` starts at this offset; nil: at the `<` that ended the previous buffer.
        case found(Int?)
        /// The bytes from this offset on begin a tag that later bytes decide; nil: the `<` that
        /// ended the previous buffer is still undecided after all of this one.
        case undecided(Int?)
    }

    private enum Context {
        case text
        /// `matched` bytes of `-->` seen.
        case comment(matched: Int)
        /// Inside an element whose content ends only at `</name`; `matched` bytes of it seen.
        case rawText(end: [UInt8], matched: Int)
    }

    /// What the bytes after a `<` open.
    private enum Opening {
        case comment
        case rawText(end: [UInt8])
        case bodyClose
        /// Nothing that matters here (another tag, or text).
        case other
        case undecided
    }

    private struct Candidate {
        let name: [UInt8]
        /// A tag name must be followed by whitespace, `/` or `>` (so `<scripts>` is not `<script>`).
        let needsDelimiter: Bool
        let opening: Opening
    }

    private static let candidates: [Candidate] = [
        Candidate(name: Array("!--".utf8), needsDelimiter: false, opening: .comment),
        Candidate(name: Array("/body>".utf8), needsDelimiter: false, opening: .bodyClose),
        Candidate(name: Array("script".utf8), needsDelimiter: true, opening: .rawText(end: Array("</script".utf8))),
        Candidate(name: Array("style".utf8), needsDelimiter: true, opening: .rawText(end: Array("</style".utf8))),
        Candidate(name: Array("textarea".utf8), needsDelimiter: true, opening: .rawText(end: Array("</textarea".utf8))),
        Candidate(name: Array("title".utf8), needsDelimiter: true, opening: .rawText(end: Array("</title".utf8))),
    ]

    private var context = Context.text
    /// A `<` in text is open: the bytes after it do not yet say what it opens.
    private var openerIsOpen = false
    /// Those bytes, lowercased; emptied, not freed, when the `<` is decided, so that a page's
    /// many tags cost no allocation each.
    private var opener: [UInt8] = []

    /// Scans the next buffer of the page.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Result {
        var index = 0
        /// Where the open `<` is in this buffer; nil while it is the previous buffer's.
        var openerStart: Int? = nil
        if self.openerIsOpen {
            switch self.continueOpener(bytes, at: &index) {
            case .bodyClose: return .found(nil)
            case .undecided: return .undecided(nil)
            default: break
            }
        }
        while index < bytes.count {
            switch self.context {
            case .text:
                guard let lessThan = Self.find(UInt8(ascii: "<"), in: bytes, from: index) else { return .none }
                openerStart = lessThan
                self.openerIsOpen = true
                index = lessThan + 1
                switch self.continueOpener(bytes, at: &index) {
                case .bodyClose: return .found(lessThan)
                case .undecided: return .undecided(openerStart)
                default: continue
                }
            case .comment(var matched):
                self.skipToEnd(Array("-->".utf8), matched: &matched, in: bytes, at: &index)
                self.context = matched == 3 ? .text : .comment(matched: matched)
            case .rawText(let end, var matched):
                self.skipToEnd(end, matched: &matched, in: bytes, at: &index)
                self.context = matched == end.count ? .text : .rawText(end: end, matched: matched)
            }
        }
        return .none
    }

    /// Reads bytes after an open `<` until they decide what it opens, and enters that context.
    /// On `.other`, `index` is left at the byte that decided it, which may itself be a `<`.
    private mutating func continueOpener(_ bytes: UnsafeRawBufferPointer, at index: inout Int) -> Opening {
        while index < bytes.count {
            let byte = bytes[index].asciiLowercased
            self.opener.append(byte)
            let opening = Self.decide(self.opener)
            switch opening {
            case .undecided:
                index += 1
                continue
            case .other:
                self.closeOpener()
                return .other
            case .comment:
                // As if `<!--` were followed by `--`: `<!-->` and `<!--->` are empty comments.
                self.context = .comment(matched: 2)
            case .rawText(let end):
                self.context = .rawText(end: end, matched: 0)
            case .bodyClose:
                break
            }
            index += 1
            self.closeOpener()
            return opening
        }
        return .undecided
    }

    private mutating func closeOpener() {
        self.openerIsOpen = false
        self.opener.removeAll(keepingCapacity: true)
    }

    private static func decide(_ opener: [UInt8]) -> Opening {
        var mayStillMatch = false
        for candidate in Self.candidates {
            let compared = min(opener.count, candidate.name.count)
            guard opener[..<compared].elementsEqual(candidate.name[..<compared]) else { continue }
            if opener.count < candidate.name.count + (candidate.needsDelimiter ? 1 : 0) {
                mayStillMatch = true
                continue
            }
            if candidate.needsDelimiter && !Self.isTagNameDelimiter(opener[candidate.name.count]) { continue }
            return candidate.opening
        }
        return mayStillMatch ? .undecided : .other
    }

    private static func isTagNameDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0C,
            UInt8(ascii: "/"), UInt8(ascii: ">"):
            true
        default:
            false
        }
    }

    /// Advances through `bytes` until `end` (lowercase; its first byte does not occur again in it,
    /// except in `-->`) has been seen, counting in `matched` how much of it the bytes so far end with.
    private func skipToEnd(_ end: [UInt8], matched: inout Int, in bytes: UnsafeRawBufferPointer, at index: inout Int) {
        while index < bytes.count && matched < end.count {
            if matched == 0 {
                guard let next = Self.find(end[0], in: bytes, from: index) else {
                    index = bytes.count
                    return
                }
                index = next
            }
            let byte = bytes[index].asciiLowercased
            if byte == end[matched] {
                matched += 1
            } else if !(matched == 2 && end[0] == UInt8(ascii: "-") && byte == UInt8(ascii: "-")) {
                // `--->` still ends a comment: a third `-` keeps the two before `>`.
                matched = byte == end[0] ? 1 : 0
            }
            index += 1
        }
    }

    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
            let hit = memchr(base + start, Int32(byte), bytes.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
