/// A single `Range: bytes=...` request (RFC 9110 §14.1.2) resolved against a file size.
///
/// Only single ranges are served; a multi-range request gets the whole file (allowed by the RFC),
/// which spares a multipart encoder nobody in a dashboard needs.
enum ByteRange: Equatable {
    /// Serve these bytes (inclusive bounds) with 206.
    case partial(first: Int64, last: Int64)
    /// No usable range header: serve the whole file with 200.
    case whole
    /// A syntactically valid range that lies outside the file: 416.
    case unsatisfiable

    init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingHTTPWhitespace()
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        if firstText.isEmpty {
            // Suffix range: the last N bytes.
            guard let suffix = Int64(decimalDigits: String(lastText)) else {
                self = .whole
                return
            }
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(first: max(0, size - suffix), last: size - 1)
            return
        }
        guard let first = Int64(decimalDigits: String(firstText)) else {
            self = .whole
            return
        }
        var last = size - 1
        if !lastText.isEmpty {
            guard let value = Int64(decimalDigits: String(lastText)), value >= first else {
                self = .whole
                return
            }
            last = min(value, size - 1)
        }
        self = first < size ? .partial(first: first, last: last) : .unsatisfiable
    }
}
