import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// An Engine.IO v4 server: answers handshakes, polls and POSTs, accepts WebSocket upgrades, and
/// keeps each session on the event loop whose index its sid carries, so that finding a session
/// takes no lock and a session's state is touched by one thread.
///
/// The HTTP side (listener, routing, body limits) belongs to the caller; `onConnection` is called
/// on a new session's loop before any of its packets is delivered, to set its delegate.
public final class EngineIOServer: Sendable {
    public let configuration: EngineIOConfiguration
    private let logger: Logger
    private let loops: [EventLoop]
    /// Characters of a sid that name its loop (`EngineIOSessionID.loopDigits(forLoopCount:)`).
    private let loopDigits: Int
    private let registries: [NIOLoopBound<EngineIOSessionRegistry>]
    private let perAddress: SessionsPerAddress
    private let onConnection: @Sendable (EngineIOSession) -> Void

    private init(
        configuration: EngineIOConfiguration, loops: [EventLoop],
        registries: [NIOLoopBound<EngineIOSessionRegistry>], perAddress: SessionsPerAddress, logger: Logger,
        onConnection: @escaping @Sendable (EngineIOSession) -> Void
    ) {
        self.logger = logger
        self.perAddress = perAddress
        self.configuration = configuration
        self.loops = loops
        self.loopDigits = EngineIOSessionID.loopDigits(forLoopCount: loops.count)
        self.registries = registries
        self.onConnection = onConnection
    }

    /// Makes a server whose sessions live on `eventLoops` (any number of them).
    public static func make(
        configuration: EngineIOConfiguration, eventLoops: [EventLoop], logger: Logger = Logger(label: "zenith.realtime"),
        onConnection: @escaping @Sendable (EngineIOSession) -> Void
    ) async throws -> EngineIOServer {
        let perAddress = SessionsPerAddress(limit: configuration.maxSessionsPerAddress)
        var registries: [NIOLoopBound<EngineIOSessionRegistry>] = []
        for loop in eventLoops {
            registries.append(
                try await loop.submit {
                    NIOLoopBound(
                        EngineIOSessionRegistry(perAddress: perAddress, eventLoop: loop, configuration: configuration),
                        eventLoop: loop
                    )
                }.get()
            )
        }
        return EngineIOServer(
            configuration: configuration, loops: eventLoops, registries: registries, perAddress: perAddress,
            logger: logger, onConnection: onConnection
        )
    }

    // MARK: HTTP

    /// Answers a non-upgrade request (handshake, poll, POST, CORS preflight). Call it on the event
    /// loop of the request's connection; the future may complete much later (long poll).
    public func respond(to request: EngineIOHTTPRequest, on eventLoop: EventLoop) -> EventLoopFuture<EngineIOHTTPResponse> {
        let origin = request.head.headers.first(name: "origin")
        // Every request that names an origin must name an allowed one; a request without one is
        // judged at the handshake (below): later polls are tied to the sid it handed out.
        // Checked once: the answer's CORS headers and the handshake use the same verdict.
        let originAllowed = origin.map { self.configuration.origins.allows(origin: $0, of: request) }
        let cors = self.corsHeaders(allowedOrigin: originAllowed == true ? origin : nil)
        if originAllowed == false {
            self.logRefusedOrigin(origin, request: request)
            return eventLoop.makeSucceededFuture(EngineIOServerError.forbidden.response(headers: cors))
        }
        if request.head.method == .OPTIONS {
            var headers = cors
            headers.add(name: "access-control-allow-methods", value: "GET, POST, OPTIONS")
            headers.add(name: "access-control-allow-headers", value: "content-type")
            headers.add(name: "access-control-max-age", value: "86400")
            return eventLoop.makeSucceededFuture(EngineIOHTTPResponse(status: .noContent, headers: headers, body: ByteBuffer()))
        }
        let intent: EngineIOHandshakeQuery.Intent
        do {
            intent = try EngineIOHandshakeQuery(uri: request.head.uri)
                .validate(method: request.head.method.rawValue, isWebSocketUpgrade: false)
        } catch {
            return eventLoop.makeSucceededFuture(error.response(headers: cors))
        }
        switch intent {
        case .handshake:
            guard originAllowed ?? self.configuration.origins.allowsMissingOrigin(fetchSite: request.head.headers.first(name: "sec-fetch-site"))
            else {
                self.logRefusedOrigin(origin, request: request)
                return eventLoop.makeSucceededFuture(EngineIOServerError.forbidden.response(headers: cors))
            }
            guard self.perAddress.acquire(request.remoteAddress) else {
                return eventLoop.makeSucceededFuture(self.tooManySessions(request, headers: cors))
            }
            let (session, registry) = self.openSession(for: request, on: eventLoop, over: nil)
            var headers = cors
            headers.add(name: "content-type", value: "text/plain; charset=UTF-8")
            var body = ByteBuffer()
            session.openPacket.writePolling(into: &body)
            registry.add(session)
            session.start()
            self.onConnection(session)
            return eventLoop.makeSucceededFuture(EngineIOHTTPResponse(status: .ok, headers: headers, body: body))
        case .session(let sid, _):
            guard let registry = self.registry(ofSessionID: sid) else {
                return eventLoop.makeSucceededFuture(EngineIOServerError.sessionIDUnknown.response(headers: cors))
            }
            let answer: @Sendable () -> EventLoopFuture<EngineIOHTTPResponse> = {
                guard let session = registry.value.session(id: sid) else {
                    return registry.eventLoop.makeSucceededFuture(EngineIOServerError.sessionIDUnknown.response(headers: cors))
                }
                switch request.head.method {
                case .GET:
                    return session.poll(request, headers: cors)
                case .POST:
                    return registry.eventLoop.makeSucceededFuture(session.post(request, headers: cors))
                default:
                    return registry.eventLoop.makeSucceededFuture(EngineIOServerError.badRequest.response(headers: cors))
                }
            }
            // On the session's own loop, at once: no task and no promise of its own, none of them
            // kept while a GET is held.
            return registry.eventLoop.inEventLoop ? answer() : registry.eventLoop.flatSubmit(answer)
        }
    }

    /// Decides on a WebSocket upgrade request. Call it on the event loop of the request's
    /// connection; the accepted channel must belong to that loop.
    public func upgrade(_ request: EngineIOHTTPRequest, on eventLoop: EventLoop) -> EventLoopFuture<EngineIOUpgradeDecision> {
        guard self.configuration.origins.allows(request) else {
            self.logRefusedOrigin(request.head.headers.first(name: "origin"), request: request)
            return eventLoop.makeSucceededFuture(.refuse(EngineIOServerError.forbidden.response(headers: [:])))
        }
        let intent: EngineIOHandshakeQuery.Intent
        do {
            intent = try EngineIOHandshakeQuery(uri: request.head.uri)
                .validate(method: request.head.method.rawValue, isWebSocketUpgrade: true)
        } catch {
            return eventLoop.makeSucceededFuture(.refuse(error.response(headers: [:])))
        }
        guard let acceptHeaders = WebSocketHandshake.acceptHeaders(for: request.head) else {
            return eventLoop.makeSucceededFuture(.refuse(EngineIOServerError.badRequest.response(headers: [:])))
        }
        let maxPayload = self.configuration.maxPayload
        switch intent {
        case .handshake:
            let install: @Sendable (Channel) throws -> Void = { channel in
                let transport = WebSocketTransport(
                    channel: channel, sessionLoop: channel.eventLoop, maxPayload: maxPayload
                ) { transport in
                    // Counted once the WebSocket is up, so that no slot is held by a handshake
                    // whose connection went away; over the limit the WebSocket is closed at once.
                    guard self.perAddress.acquire(request.remoteAddress) else {
                        _ = self.tooManySessions(request, headers: [:])
                        transport.close()
                        return
                    }
                    let (session, registry) = self.openSession(for: request, on: channel.eventLoop, over: transport)
                    registry.add(session)
                    session.start()
                    self.onConnection(session)
                }
                try WebSocketHandshake.installHandlers(on: channel, transport: transport)
            }
            return eventLoop.makeSucceededFuture(.accept(headers: acceptHeaders, install: install))
        case .session(let sid, _):
            guard let registry = self.registry(ofSessionID: sid) else {
                return eventLoop.makeSucceededFuture(.refuse(EngineIOServerError.sessionIDUnknown.response(headers: [:])))
            }
            return registry.eventLoop.submit { () -> Bool in
                guard let session = registry.value.session(id: sid) else { return false }
                return session.transportName == "polling"
            }.map { exists -> EngineIOUpgradeDecision in
                guard exists else {
                    return .refuse(EngineIOServerError.sessionIDUnknown.response(headers: [:]))
                }
                let install: @Sendable (Channel) throws -> Void = { channel in
                    let transport = WebSocketTransport(
                        channel: channel, sessionLoop: registry.eventLoop, maxPayload: maxPayload, onActive: nil
                    )
                    try WebSocketHandshake.installHandlers(on: channel, transport: transport)
                    let handOver = LoopHandOver(transport)
                    registry.eventLoop.execute {
                        guard let session = registry.value.session(id: sid) else {
                            handOver.value.close()
                            return
                        }
                        session.beginUpgrade(handOver.value)
                    }
                }
                return .accept(headers: acceptHeaders, install: install)
            }
        }
    }

    /// Drops every session so that its client reconnects (for a drain or restart).
    public func dropAllSessions() async {
        for registry in self.registries {
            try? await registry.eventLoop.submit { registry.value.dropAll() }.get()
        }
    }

    // MARK: Helpers

    /// The registry of the loop a sid of this server names; nil for a sid made elsewhere (another
    /// node's, or a malformed one).
    private func registry(ofSessionID sid: String) -> NIOLoopBound<EngineIOSessionRegistry>? {
        guard EngineIOSessionID.owner(of: sid[...]) ?? "" == self.configuration.sessionOwner,
            let index = EngineIOSessionID.loopIndex(of: sid, loopDigits: self.loopDigits),
            self.registries.indices.contains(index)
        else { return nil }
        return self.registries[index]
    }

    /// 429 for a handshake beyond `maxSessionsPerAddress`, and a log line naming the address.
    private func tooManySessions(_ request: EngineIOHTTPRequest, headers: HTTPHeaders) -> EngineIOHTTPResponse {
        self.logger.notice(
            "realtime handshake refused: too many sessions from one address",
            metadata: ["client": "\(request.remoteAddress?.ipAddress ?? "-")"]
        )
        var headers = headers
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        return EngineIOHTTPResponse(
            status: .tooManyRequests, headers: headers, body: ByteBuffer(string: #"{"code":4,"message":"Too many sessions"}"#)
        )
    }

    private func logRefusedOrigin(_ origin: String?, request: EngineIOHTTPRequest) {
        self.logger.notice(
            "realtime request refused: origin not allowed",
            metadata: [
                "origin": "\(origin ?? "(none)")", "client": "\(request.remoteAddress?.ipAddress ?? "-")",
            ]
        )
    }

    /// A session over `webSocket`, or over polling when it is nil, not yet in its registry.
    private func openSession(
        for request: EngineIOHTTPRequest, on eventLoop: EventLoop, over webSocket: WebSocketTransport?
    ) -> (EngineIOSession, EngineIOSessionRegistry) {
        let index = self.loops.firstIndex { $0 === eventLoop } ?? 0
        let registry = self.registries[index].value
        let session = EngineIOSession(
            id: EngineIOSessionID.make(
                owner: self.configuration.sessionOwner, loopIndex: index, loopDigits: self.loopDigits
            ), eventLoop: eventLoop, handshake: request, registry: registry, webSocket: webSocket
        )
        return (session, registry)
    }

    /// CORS for polling: only an allowed origin (nil: none, or not allowed) is named, with
    /// credentials (cookies) allowed.
    private func corsHeaders(allowedOrigin origin: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let origin {
            headers.add(name: "access-control-allow-origin", value: origin)
            headers.add(name: "access-control-allow-credentials", value: "true")
            headers.add(name: "vary", value: "Origin")
        }
        return headers
    }
}
