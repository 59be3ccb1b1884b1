/// What an `inject=` route option may name: the `src` of the `<script>` tag Zenith writes into
/// proxied HTML pages. A path on the same origin (`/socket.io/zenith-horizon.js`) or an absolute
/// `http://` / `https://` URL.
///
/// The value is written between double quotes into the page as it is, so it must not be able to
/// end the attribute or the tag: no `"`, `<`, `>`, white space, control or non-ASCII bytes (a URL
/// percent-encodes those anyway). `//host/x` is refused although browsers read it as a URL of the
/// page's scheme, because it reads like a path while it loads code from another host.
enum ScriptSourceSyntax {
    static func isValid(_ value: Substring) -> Bool {
        guard value.utf8.allSatisfy(isAllowed) else { return false }
        if value.hasPrefix("/") {
            return !value.hasPrefix("//")
        }
        let lowered = value.lowercased()
        for scheme in ["http://", "https://"] where lowered.hasPrefix(scheme) {
            // An authority must follow the scheme: `https:///x` names no host.
            let rest = lowered.dropFirst(scheme.count)
            return !rest.isEmpty && !rest.hasPrefix("/")
        }
        return false
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"): false
        default: byte > 0x20 && byte < 0x7F
        }
    }
}
