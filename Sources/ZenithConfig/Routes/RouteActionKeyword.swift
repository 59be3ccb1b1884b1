/// The action word of a routes-file rule, with the shape of what may follow it.
enum RouteActionKeyword: String, CaseIterable {
    case proxy
    case realtime
    case staticFiles = "static"
    case redirect
    case respond

    /// How the positional targets after the action word are written, for "missing target" messages.
    var targetSyntax: String? {
        switch self {
        case .proxy: "an upstream name or host:port"
        case .realtime: nil
        case .staticFiles: "an absolute directory"
        case .redirect: "a status code (301, 302, 303, 307 or 308) and a URL"
        case .respond: "a status code from 100 to 599 and an optional text"
        }
    }

    /// How many words after the action word are targets; the words after those are options, except
    /// for `respond`, whose text runs to the end of the line.
    var targetCount: Int {
        switch self {
        case .realtime: 0
        case .proxy, .staticFiles: 1
        case .redirect: 2
        case .respond: 1
        }
    }

    var acceptedOptions: [RouteOptionKey] {
        switch self {
        case .proxy: [.timeout, .bodyBytes, .preserveHost, .inject]
        case .staticFiles: [.maxAge, .bodyBytes]
        case .realtime, .redirect, .respond: []
        }
    }
}
