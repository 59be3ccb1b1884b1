/// One line of the routes file: which requests it takes and what is done with them.
public struct Route: Sendable, Hashable {
    /// Lowercased host name without port, or nil for `*`.
    public var host: String?
    /// Starts with `/`; matched as a plain byte prefix of the request path.
    public var pathPrefix: String
    public var action: RouteAction
    public var options: RouteOptions
    /// Where the rule was written, for messages and the access log.
    public var file: String
    public var line: Int

    public init(
        host: String?, pathPrefix: String, action: RouteAction, options: RouteOptions, file: String, line: Int
    ) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.action = action
        self.options = options
        self.file = file
        self.line = line
    }
}

/// What a route does with a request.
public enum RouteAction: Sendable, Hashable {
    /// Forward to the named upstream (an `[upstream.NAME]` or an implicit one for `host:port`).
    case proxy(upstream: String)
    /// Hand to the realtime engine.
    case realtime
    /// Serve files below an absolute directory.
    case staticFiles(directory: String)
    /// Answer with a redirect (301, 302, 303, 307 or 308) to a URL.
    case redirect(status: Int, location: String)
    /// Answer with a fixed status and text body (may be empty).
    case respond(status: Int, body: String)
}

/// The `key=value` options of a route. Which keys an action accepts is checked by the loader.
public struct RouteOptions: Sendable, Hashable {
    /// proxy: overrides the upstream's response timeout.
    public var timeout: Duration?
    /// proxy, static: overrides `[limits] body_bytes`.
    public var bodyBytes: Int64?
    /// static: Cache-Control max-age.
    public var maxAge: Duration?
    /// proxy: overrides `[proxy] preserve_host`.
    public var preserveHost: Bool?
    /// proxy: the `src` of a `<script>` tag inserted into the HTML pages the backend answers with
    /// (checked by `ScriptSourceSyntax`); nil leaves pages alone.
    public var inject: String?

    public init(
        timeout: Duration? = nil, bodyBytes: Int64? = nil, maxAge: Duration? = nil, preserveHost: Bool? = nil,
        inject: String? = nil
    ) {
        self.timeout = timeout
        self.bodyBytes = bodyBytes
        self.maxAge = maxAge
        self.preserveHost = preserveHost
        self.inject = inject
    }
}
