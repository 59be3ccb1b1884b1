import FuzzSupport

@testable import ZenithConfig
@testable import ZenithProxy

/// Feeds the input as the text of a routes file to `RoutesFileParser` (with one upstream,
/// `app`, declared), builds the `RouteTable` and the proxy's `RouteMatcher` for it, and renders
/// the table as `zenith check` does. Inputs that are not UTF-8 are skipped (`TextFile.read`
/// refuses them).
///
/// Invariants:
/// - every route and every diagnostic points at a line of the file; a line yields a route or
///   diagnostics, never both; every prefix starts with `/`; hosts are lowercase;
/// - an implicit upstream is named only by routes that proxy to it;
/// - `RouteMatcher.matchIndex` finds each rule for its own host (as a Host header, with and
///   without a port) and prefix: no rule is unreachable, since duplicates are refused;
/// - the rendering has one line per rule.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let text = String(validating: input, as: UTF8.self) else { return -1 }
    let result = RoutesFileParser(file: "/etc/zenith/routes", upstreamNames: ["app"]).parse(text)
    let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count

    let diagnosedLines = Set(result.diagnostics.map(\.line))
    for diagnostic in result.diagnostics {
        require((1...lineCount).contains(diagnostic.line), "diagnostic on line \(diagnostic.line) of \(lineCount)")
    }
    for route in result.routes {
        require((1...lineCount).contains(route.line), "route on line \(route.line) of \(lineCount)")
        require(!diagnosedLines.contains(route.line), "line \(route.line) gave a route and a diagnostic")
        require(route.pathPrefix.hasPrefix("/"), "prefix \(route.pathPrefix.debugDescription)")
        if let host = route.host {
            require(host == host.lowercased() && !host.isEmpty, "host \(host.debugDescription)")
        }
    }
    for name in result.implicitUpstreams.keys {
        require(result.routes.contains { $0.action == .proxy(upstream: name) }, "implicit upstream \(name) unused")
    }

    let table = RouteTable(routes: result.routes)
    let matcher = RouteMatcher(table)
    for (index, route) in result.routes.enumerated() {
        let path = Substring(route.pathPrefix)
        guard let host = route.host else {
            require(matcher.matchIndex(host: nil, path: path) == index, "rule \(index) (line \(route.line)) unreachable")
            continue
        }
        let header = host.contains(":") ? "[\(host)]" : host
        for form in [header, header + ":8080"] {
            require(matcher.matchIndex(host: form, path: path) == index, "rule \(index) (line \(route.line)) unreachable with Host \(form)")
        }
    }
    let rendered = table.render()
    let renderedLines = rendered.split(separator: "\n", omittingEmptySubsequences: true).count
    require(renderedLines == result.routes.count, "\(renderedLines) rendered lines for \(result.routes.count) rules")
    return 0
}

@_cdecl("fuzz_routes_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
