import NIOCore
import ZenithProxy

/// Sends each realtime request to the endpoint of the longest matching path prefix (conformance
/// mode serves a raw Engine.IO server and a Socket.IO server side by side).
struct PathDispatchingEndpoint: RealtimeEndpoint {
    let routes: [(prefix: String, endpoint: RealtimeEndpoint)]

    init(routes: [(String, RealtimeEndpoint)]) {
        self.routes = routes.sorted { $0.0.count > $1.0.count }.map { (prefix: $0.0, endpoint: $0.1) }
    }

    var maxRequestBodyBytes: Int { self.routes.map(\.endpoint.maxRequestBodyBytes).max() ?? 0 }

    func respond(to request: RealtimeRequest) -> EventLoopFuture<RealtimeResponse> {
        guard let endpoint = self.endpoint(for: request) else {
            return request.eventLoop.makeSucceededFuture(RealtimeResponse(status: .notFound, headers: [:], body: ByteBuffer()))
        }
        return endpoint.respond(to: request)
    }

    func upgrade(_ request: RealtimeRequest) -> EventLoopFuture<RealtimeUpgradeDecision> {
        guard let endpoint = self.endpoint(for: request) else {
            return request.eventLoop.makeSucceededFuture(
                .refuse(RealtimeResponse(status: .notFound, headers: [:], body: ByteBuffer()))
            )
        }
        return endpoint.upgrade(request)
    }

    private func endpoint(for request: RealtimeRequest) -> RealtimeEndpoint? {
        self.routes.first { request.head.uri.hasPrefix($0.prefix) }?.endpoint
    }
}
