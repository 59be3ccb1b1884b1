import NIOHTTP1
import ZenithConfig

/// Picks the responder for a routed request head: the one place that maps a route action to code.
enum RouteDispatcher {
    static func responder(for request: RequestAdmission.RoutedRequest, client: any ResponderContext) -> RequestResponder {
        let (route, head, expectsContinue) = (request.route, request.head, request.expectsContinue)
        // A client that waits for 100-continue would wait forever for a local answer that is only
        // sent once its body has been read (`expectsContinue`); answer such requests at once (and close).
        switch route.rule.action {
        case .proxy:
            guard let pool = route.pool else {
                return FixedResponder.errorPage(.badGateway, for: client)
            }
            return ProxyExchange(
                client: client, pool: pool, route: route, head: head, framing: request.framing,
                expectsContinue: expectsContinue, isUpgrade: request.isUpgrade
            )
        case .staticFiles(let directory):
            return StaticFileResponder(
                client: client, directory: directory, route: route.rule, head: head, path: request.path,
                answerBeforeBody: expectsContinue
            )
        case .redirect(let status, let location):
            return FixedResponder.redirect(
                HTTPResponseStatus(statusCode: status), to: location, for: client, answerBeforeBody: expectsContinue
            )
        case .respond(let status, let text):
            return FixedResponder.text(
                HTTPResponseStatus(statusCode: status), text, for: client, answerBeforeBody: expectsContinue
            )
        case .realtime:
            guard let endpoint = client.loop.realtimeEndpoint else {
                return FixedResponder.errorPage(.serviceUnavailable, for: client, answerBeforeBody: expectsContinue)
            }
            if case .peer(let address, let node) = endpoint.placement(of: head) {
                var forwarded = head
                forwarded.headers.replaceOrAdd(name: RealtimePlacement.forwardedByHeader, value: node)
                return ProxyExchange(
                    client: client, pool: client.loop.peerPool(for: address), route: route, head: forwarded,
                    framing: request.framing, expectsContinue: expectsContinue, isUpgrade: request.isUpgrade,
                    failureStatus: .badRequest
                )
            }
            return RealtimeResponder(client: client, endpoint: endpoint, head: head, isUpgrade: request.isUpgrade)
        }
    }
}
