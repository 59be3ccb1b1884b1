import EngineIO
import NIOCore
import ZenithProxy

/// Serves a `realtime` route with an Engine.IO server: the adapter between the proxy's
/// `RealtimeEndpoint` and `EngineIOServer`.
public struct EngineIOEndpoint: RealtimeEndpoint {
    public let server: EngineIOServer

    public init(server: EngineIOServer) {
        self.server = server
    }

    public var maxRequestBodyBytes: Int { self.server.configuration.maxPayload }

    public func respond(to request: RealtimeRequest) -> EventLoopFuture<RealtimeResponse> {
        self.server.respond(to: EngineIOHTTPRequest(request), on: request.eventLoop).map { response in
            RealtimeResponse(status: response.status, headers: response.headers, body: response.body)
        }
    }

    public func upgrade(_ request: RealtimeRequest) -> EventLoopFuture<RealtimeUpgradeDecision> {
        self.server.upgrade(EngineIOHTTPRequest(request), on: request.eventLoop).map { decision in
            switch decision {
            case .accept(let headers, let install):
                return .accept(headers: headers, install: install)
            case .refuse(let response):
                return .refuse(RealtimeResponse(status: response.status, headers: response.headers, body: response.body))
            }
        }
    }
}

extension EngineIOHTTPRequest {
    init(_ request: RealtimeRequest) {
        self.init(
            head: request.head, body: request.body, bodyExceededLimit: request.bodyExceededLimit,
            remoteAddress: request.clientAddress, connectionClosed: request.connectionClosed,
            scheme: request.scheme
        )
    }
}
