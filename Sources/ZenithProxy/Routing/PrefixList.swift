/// The path prefixes of all rules, in groups (one per host, then `*`), each group longest first,
/// packed into one byte buffer so that a lookup walks plain integers and bytes: no reference
/// counting, no `String`.
///
/// One `[UInt8]` per rule would cost a retain and a release per candidate on every request.
struct PrefixList: Sendable {
    private struct Entry: Sendable {
        var start: Int
        var count: Int
        var routeIndex: Int
    }

    private var bytes: [UInt8] = []
    private var entries: [Entry] = []
    private var groupRanges: [Range<Int>] = []

    /// Each group lists `(prefix, index into RouteTable.routes)` pairs already in match order.
    init(groups: [[(prefix: String, routeIndex: Int)]]) {
        for group in groups {
            let first = entries.count
            for route in group {
                entries.append(Entry(start: bytes.count, count: route.prefix.utf8.count, routeIndex: route.routeIndex))
                bytes.append(contentsOf: route.prefix.utf8)
            }
            groupRanges.append(first..<entries.count)
        }
    }

    /// The index of the first (longest) rule of `group` whose prefix starts `path`.
    func firstMatch(in path: UnsafeBufferPointer<UInt8>, group: Int) -> Int? {
        bytes.withUnsafeBufferPointer { bytes in
            for entry in entries[groupRanges[group]] where entry.count <= path.count {
                let prefix = UnsafeBufferPointer(rebasing: bytes[entry.start..<(entry.start + entry.count)])
                if prefix.elementsEqual(UnsafeBufferPointer(rebasing: path[..<entry.count])) {
                    return entry.routeIndex
                }
            }
            return nil
        }
    }
}
