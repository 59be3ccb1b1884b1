import Crypto
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SocketIO
import ZenithConfig
import ZenithJSON
import ZenithProxy
import ZenithText

/// Asks the dashboard who a session cookie belongs to, by forwarding the configured cookies to
/// its user-session endpoint over the proxy's upstream pool.
///
/// Verdicts are cached by a SHA-256 of the forwarded cookie values (accepted ones for `cache_ttl`,
/// refused ones for `negative_ttl`); concurrent checks of the same cookie share one backend
/// request, so a reconnect storm of one user's tabs costs the dashboard one request. A check that
/// must know what the session is *now* (a watcher about to poll with it) asks past the cache with
/// `verifyNow`. Shared by every event loop; the lock is held only to read or update the cache,
/// never across I/O.
public final class SessionCookieAuthenticator: Sendable {
    private enum Entry {
        case pending([EventLoopPromise<AuthVerdict>])
        case decided(AuthVerdict, until: NIODeadline)
    }

    /// Cached verdicts kept at most; beyond it expired ones are dropped, then everything.
    private static let maxEntries = 100_000

    private let settings: RealtimeAuthSettings
    private let client: UpstreamClient
    private let logger: Logger
    private let cache = NIOLockedValueBox<[String: Entry]>([:])

    public init(settings: RealtimeAuthSettings, client: UpstreamClient, logger: Logger) {
        self.settings = settings
        self.client = client
        self.logger = logger
    }

    /// The verdict for a request's `Cookie` header values, completed on `eventLoop`.
    public func verify(cookieHeaders: [String], on eventLoop: EventLoop) -> EventLoopFuture<AuthVerdict> {
        guard let cookies = self.forwardedCookies(from: cookieHeaders) else {
            return eventLoop.makeSucceededFuture(.refused)
        }
        let key = Self.cacheKey(cookies)
        let promise = eventLoop.makePromise(of: AuthVerdict.self)
        let now = NIODeadline.now()
        let mustProbe = self.cache.withLockedValue { cache -> Bool in
            switch cache[key] {
            case .decided(let verdict, let until)? where until > now:
                promise.succeed(verdict)
                return false
            case .pending(var waiters)?:
                waiters.append(promise)
                cache[key] = .pending(waiters)
                return false
            default:
                if cache.count >= Self.maxEntries {
                    // Pending entries stay: their waiters are answered when their probe returns.
                    cache = cache.filter { if case .decided(_, let until) = $0.value { return until > now } else { return true } }
                    if cache.count >= Self.maxEntries {
                        cache = cache.filter { if case .pending = $0.value { return true } else { return false } }
                    }
                }
                cache[key] = .pending([promise])
                return true
            }
        }
        if mustProbe {
            self.probe(cookies: cookies, on: eventLoop).whenSuccess { verdict in
                self.decide(key: key, verdict: verdict)
            }
        }
        return promise.futureResult
    }

    /// The verdict of a request made now, whatever the cache holds: a cached identity may be
    /// `cache_ttl` old, and the session may have moved to another project since. The answer
    /// refreshes the cache for later `verify` calls.
    public func verifyNow(cookieHeaders: [String], on eventLoop: EventLoop) -> EventLoopFuture<AuthVerdict> {
        guard let cookies = self.forwardedCookies(from: cookieHeaders) else {
            return eventLoop.makeSucceededFuture(.refused)
        }
        let key = Self.cacheKey(cookies)
        return self.probe(cookies: cookies, on: eventLoop).map { verdict in
            let now = NIODeadline.now()
            self.cache.withLockedValue { cache in
                // A probe in flight has waiters of its own; it records its answer when it ends.
                if case .pending = cache[key] { return }
                cache[key] = self.entry(for: verdict, now: now)
            }
            return verdict
        }
    }

    private static func cacheKey(_ cookies: String) -> String {
        SHA256.hash(data: Array(cookies.utf8)).lowercaseHexString
    }

    /// `name=value; ...` of the configured cookies present in the headers, nil when none is.
    func forwardedCookies(from headers: [String]) -> String? {
        var found: [String: Substring] = [:]
        for header in headers {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                let name = String(trimmed[..<equals])
                if self.settings.cookies.contains(name), found[name] == nil {
                    found[name] = trimmed[trimmed.index(after: equals)...]
                }
            }
        }
        let pairs = self.settings.cookies.compactMap { name in found[name].map { "\(name)=\($0)" } }
        return pairs.isEmpty ? nil : pairs.joined(separator: "; ")
    }

    /// Asks the endpoint; the future always succeeds (a failure is `.unavailable`).
    private func probe(cookies: String, on eventLoop: EventLoop) -> EventLoopFuture<AuthVerdict> {
        let request = UpstreamClient.Request(
            method: .GET, uri: self.settings.endpoint,
            headers: HTTPHeaders(dashboardRequestWith: self.settings.headers, cookies: cookies)
        )
        let started = NIODeadline.now()
        let promise = eventLoop.makePromise(of: AuthVerdict.self)
        self.client.send(request, to: self.settings.upstream, timeout: self.settings.timeout, on: eventLoop)
            .whenComplete { result in
                let verdict = self.verdict(for: result)
                Timer(label: "zenith_auth_probe_seconds").recordNanoseconds((NIODeadline.now() - started).nanoseconds)
                Counter(label: "zenith_auth_probes_total", dimensions: [("result", verdict.metricsLabel)]).increment()
                promise.succeed(verdict)
            }
        return promise.futureResult
    }

    private func verdict(for result: Result<UpstreamClient.Response, Error>) -> AuthVerdict {
        switch result {
        case .failure(let error):
            self.logger.warning("auth endpoint unavailable", metadata: ["error": "\(error)"])
            return .unavailable
        case .success(let response):
            switch response.status.code {
            case 200..<300:
                guard let json = try? JSONValue(parsing: response.body),
                    let identity = Identity(json: json, mapping: self.settings.fields)
                else {
                    self.logger.warning("auth endpoint answered without a usable identity", metadata: ["status": "\(response.status.code)"])
                    return .unavailable
                }
                return .accepted(identity)
            case 300..<400, 401, 403:
                return .refused
            default:
                self.logger.warning("auth endpoint failed", metadata: ["status": "\(response.status.code)"])
                return .unavailable
            }
        }
    }

    private func decide(key: String, verdict: AuthVerdict) {
        let now = NIODeadline.now()
        let waiters = self.cache.withLockedValue { cache -> [EventLoopPromise<AuthVerdict>] in
            guard case .pending(let waiters)? = cache[key] else { return [] }
            cache[key] = self.entry(for: verdict, now: now)
            return waiters
        }
        for waiter in waiters {
            waiter.succeed(verdict)
        }
    }

    /// How long a verdict is kept: accepted for `cache_ttl`, refused for `negative_ttl`, an
    /// unavailable dashboard not at all.
    private func entry(for verdict: AuthVerdict, now: NIODeadline) -> Entry? {
        switch verdict {
        case .accepted: .decided(verdict, until: now + TimeAmount(self.settings.cacheTTL))
        case .refused: .decided(verdict, until: now + TimeAmount(self.settings.negativeTTL))
        case .unavailable: nil
        }
    }
}
