import ZenithConfig

/// The routes in force on one event loop, each resolved once per reload to what serving it needs
/// (the upstream pool of a `proxy` route). Routing a request then copies no `Route` (a struct of
/// several strings, so several reference counts per copy) and looks up no pool by name.
/// Immutable: a reload makes a new one.
final class ActiveRoutes {
    /// One rule of the routes file as this event loop serves it.
    final class Entry {
        let rule: Route
        /// The pool of a `proxy` route's upstream; nil for other actions.
        let pool: UpstreamPool?

        init(rule: Route, pool: UpstreamPool?) {
            self.rule = rule
            self.pool = pool
        }
    }

    private let matcher: RouteMatcher
    private let routes: [Entry]

    init(table: RouteTable, pools: [String: UpstreamPool]) {
        self.matcher = RouteMatcher(table)
        self.routes = table.routes.map { rule in
            if case .proxy(let upstream) = rule.action {
                return Entry(rule: rule, pool: pools[upstream])
            }
            return Entry(rule: rule, pool: nil)
        }
    }

    /// The route for a request, or nil when none applies (see `RouteMatcher.matchIndex`).
    func match(host: String?, path: Substring) -> Entry? {
        self.matcher.matchIndex(host: host, path: path).map { self.routes[$0] }
    }
}
