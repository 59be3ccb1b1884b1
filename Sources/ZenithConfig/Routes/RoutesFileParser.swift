/// Reads the routes file (grammar in DESIGN.md) into `Route`s, reporting every problem of every
/// line, so that one `zenith check` shows all there is to fix.
///
/// Used by `ConfigurationLoader`, which supplies the upstream names of the config file and turns
/// the `proxy host:port` targets it collects into upstreams with default settings.
struct RoutesFileParser {
    /// What a routes file yields; the routes are usable only when `diagnostics` holds no error.
    struct Result {
        /// The valid rules, in file order.
        var routes: [Route] = []
        /// `proxy host:port` targets that name no `[upstream.NAME]`, by the target as written.
        var implicitUpstreams: [String: HostAndPort] = [:]
        var diagnostics: [ConfigDiagnostic] = []
    }

    let file: String
    /// Every `[upstream.NAME]` of the config file, valid or not: a broken section is reported
    /// there once, not again as "unknown upstream" on each rule that names it.
    let upstreamNames: Set<String>

    func parse(_ text: String) -> Result {
        var result = Result()
        var firstLineOfRule: [String: Int] = [:]
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            let words = RouteLineTokenizer.words(of: line)
            guard !words.isEmpty else { continue }
            var rule = RuleUnderConstruction(words: words, file: file, line: index + 1)
            read(&rule, firstLineOfRule: &firstLineOfRule)
            result.diagnostics += rule.problems.map {
                ConfigDiagnostic(file: file, line: rule.line, message: $0)
            }
            if let route = rule.route {
                result.routes.append(route)
                if let implicit = rule.implicitUpstream {
                    result.implicitUpstreams[implicit.name] = implicit.address
                }
            }
        }
        return result
    }

    /// The pieces of one line as they are read, and what was wrong with them.
    private struct RuleUnderConstruction {
        let words: [Substring]
        let file: String
        let line: Int
        var problems: [String] = []
        /// `.some(nil)` for `*`, as `Route.host` has it; nil while unread or invalid.
        var host: String??
        var pathPrefix: String?
        var action: RouteAction?
        var options = RouteOptions()
        var implicitUpstream: (name: String, address: HostAndPort)?

        init(words: [Substring], file: String, line: Int) {
            self.words = words
            self.file = file
            self.line = line
        }

        /// The rule, when every part was read without a problem.
        var route: Route? {
            guard problems.isEmpty, let host, let pathPrefix, let action else { return nil }
            return Route(host: host, pathPrefix: pathPrefix, action: action, options: options, file: file, line: line)
        }
    }

    private func read(_ rule: inout RuleUnderConstruction, firstLineOfRule: inout [String: Int]) {
        let words = rule.words
        guard words.count >= 3 else {
            rule.problems.append("expected 'host path-prefix action [target] [key=value...]', found '\(words.joined(separator: " "))'")
            return
        }
        rule.host = Self.host(words[0], problems: &rule.problems)
        if words[1].hasPrefix("/") {
            rule.pathPrefix = String(words[1])
        } else {
            rule.problems.append("path prefix '\(words[1])' must start with /")
        }
        if let host = rule.host, let pathPrefix = rule.pathPrefix {
            let key = "\(host ?? "*") \(pathPrefix)"
            if let first = firstLineOfRule[key] {
                rule.problems.append("duplicate of line \(first); this rule is never used")
            } else {
                firstLineOfRule[key] = rule.line
            }
        }
        guard let keyword = RouteActionKeyword(rawValue: String(words[2])) else {
            let known = RouteActionKeyword.allCases.map(\.rawValue).joined(separator: ", ")
            rule.problems.append("unknown action '\(words[2])' (expected one of \(known))")
            return
        }
        readAction(keyword, arguments: words[3...], into: &rule)
    }

    /// `*` as nil; a name or address lowercased, IPv6 without brackets (as the proxy's
    /// `RouteMatcher` compares it).
    private static func host(_ word: Substring, problems: inout [String]) -> String?? {
        guard word != "*" else { return .some(nil) }
        var host = word.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard HostSyntax.isHost(host) else {
            problems.append("bad host '\(word)': expected * or a host name or IP address, without port")
            return nil
        }
        return .some(host)
    }

    private func readAction(_ keyword: RouteActionKeyword, arguments: ArraySlice<Substring>, into rule: inout RuleUnderConstruction) {
        // Options are `key=value` with a lowercase key; a URL target such as `/a?b=c` never looks like one.
        let isOption: (Substring) -> Bool = { word in
            guard let equals = word.firstIndex(of: "=") else { return false }
            return equals > word.startIndex && word[..<equals].allSatisfy { $0 == "_" || ("a"..."z").contains($0) }
        }
        let targets = keyword == .respond
            ? Array(arguments.prefix(1))
            : Array(arguments.prefix(while: { !isOption($0) }).prefix(keyword.targetCount))
        if targets.count < keyword.targetCount, let syntax = keyword.targetSyntax {
            rule.problems.append("missing target: \(keyword.rawValue) needs \(syntax)")
        }
        let rest = arguments.dropFirst(targets.count)
        if keyword == .respond {
            rule.action = respond(targets, text: rest.joined(separator: " "), problems: &rule.problems)
            return
        }
        readOptions(rest, for: keyword, isOption: isOption, into: &rule)
        guard targets.count == keyword.targetCount else { return }
        switch keyword {
        case .proxy: rule.action = proxy(targets[0], into: &rule)
        case .realtime: rule.action = .realtime
        case .staticFiles: rule.action = staticFiles(targets[0], problems: &rule.problems)
        case .redirect: rule.action = redirect(status: targets[0], location: targets[1], problems: &rule.problems)
        case .respond: break
        }
    }

    private func readOptions(
        _ words: ArraySlice<Substring>, for keyword: RouteActionKeyword, isOption: (Substring) -> Bool,
        into rule: inout RuleUnderConstruction
    ) {
        var given: Set<RouteOptionKey> = []
        for word in words {
            guard isOption(word) else {
                rule.problems.append(
                    keyword.targetCount == 0
                        ? "\(keyword.rawValue) takes no target, found '\(word)'"
                        : "unexpected '\(word)' after the target of \(keyword.rawValue)")
                continue
            }
            let equals = word.firstIndex(of: "=")!
            let name = word[..<equals]
            let value = word[word.index(after: equals)...]
            guard let key = RouteOptionKey(rawValue: String(name)), keyword.acceptedOptions.contains(key) else {
                let accepted = keyword.acceptedOptions.map(\.rawValue).joined(separator: ", ")
                rule.problems.append(
                    accepted.isEmpty
                        ? "unknown option '\(name)': \(keyword.rawValue) takes no options"
                        : "unknown option '\(name)' for \(keyword.rawValue) (accepted: \(accepted))")
                continue
            }
            guard given.insert(key).inserted else {
                rule.problems.append("option '\(name)' is given twice")
                continue
            }
            if !key.apply(value, to: &rule.options) {
                rule.problems.append("bad value '\(value)' for \(name): expected \(key.expectation)")
            }
        }
    }

    private func proxy(_ target: Substring, into rule: inout RuleUnderConstruction) -> RouteAction? {
        let name = String(target)
        if upstreamNames.contains(name) {
            return .proxy(upstream: name)
        }
        if let address = HostAndPort(parsing: name) {
            rule.implicitUpstream = (name, address)
            return .proxy(upstream: name)
        }
        rule.problems.append("unknown upstream '\(name)': no [upstream.\(name)] in the config file, and not a host:port address")
        return nil
    }

    private func staticFiles(_ target: Substring, problems: inout [String]) -> RouteAction? {
        let directory = String(target)
        guard directory.hasPrefix("/") else {
            problems.append("static directory '\(directory)' must be an absolute path")
            return nil
        }
        switch FileKind(atPath: directory) {
        case .directory:
            return .staticFiles(directory: directory)
        case .missing:
            problems.append("static directory '\(directory)' does not exist")
        case .file:
            problems.append("static directory '\(directory)' is not a directory")
        }
        return nil
    }

    private func redirect(status: Substring, location: Substring, problems: inout [String]) -> RouteAction? {
        guard let code = Int(status), [301, 302, 303, 307, 308].contains(code) else {
            problems.append("redirect status must be 301, 302, 303, 307 or 308, not '\(status)'")
            return nil
        }
        return .redirect(status: code, location: String(location))
    }

    private func respond(_ targets: [Substring], text: String, problems: inout [String]) -> RouteAction? {
        guard let status = targets.first else { return nil }
        guard let code = Int(status), (100...599).contains(code) else {
            problems.append("respond status must be a number from 100 to 599, not '\(status)'")
            return nil
        }
        return .respond(status: code, body: text)
    }
}
