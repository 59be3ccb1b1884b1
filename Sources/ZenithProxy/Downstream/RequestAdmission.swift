import NIOHTTP1
import ZenithText

/// Decides what becomes of a request head before anything answers it: refused outright (its
/// framing or target cannot be trusted), answered by Zenith (no route, CONNECT, a body announced
/// above the limit), or given to its route. A pure function of the head, the routes and the
/// global body limit, tested without a connection (`RequestAdmissionTests`).
struct RequestAdmission {
    /// What the connection does with the head.
    enum Decision {
        /// Answer `status` and close: the rest of the byte stream cannot be trusted. `log` and
        /// `reason` say why, for the log line.
        case refuse(HTTPResponseStatus, log: String, reason: String)
        /// Answer with Zenith's error page for `status`; `answerBeforeBody` answers at once and
        /// closes, rather than after the request's body has been read. `route` is the route that
        /// matched, if one did (for the request's metrics).
        case errorPage(HTTPResponseStatus, answerBeforeBody: Bool, route: ActiveRoutes.Entry?)
        /// Give the request to its route.
        case route(RoutedRequest)
    }

    /// A request head that passed admission, with what its responder needs.
    struct RoutedRequest {
        var route: ActiveRoutes.Entry
        /// The head to answer; an absolute-form target is rewritten to origin form.
        var head: HTTPRequestHead
        var framing: RequestFraming
        /// The normalised path the route matched.
        var path: Substring
        /// The client asks for a WebSocket upgrade (the only protocol that may be switched to).
        var isUpgrade: Bool
        var expectsContinue: Bool
        /// The route's body limit, or the global one.
        var bodyLimit: Int64
    }

    let head: HTTPRequestHead
    let fields: RequestHeadFields
    /// The head's framing is refused: its reason, for `.refuse`.
    let framingRefusal: String?
    /// The Upgrade field, when Connection names it (read once: it means parsing Connection).
    private let upgradeProtocol: String?

    init(head: HTTPRequestHead, fields: RequestHeadFields) {
        self.head = head
        self.fields = fields
        if let problem = fields.framingProblem {
            self.framingRefusal = "\(problem)"
        } else if head.method == .TRACE && fields.framing.hasBody {
            // RFC 9110 §9.3.8: TRACE has no content, and NIO's encoder would send one unframed.
            self.framingRefusal = "TRACE with a body"
        } else {
            self.framingRefusal = nil
        }
        self.upgradeProtocol = fields.upgrade.flatMap { HopByHopHeaders(of: head.headers).requestsUpgrade ? $0 : nil }
    }

    /// The request's body is announced (and must be timed) once its framing is accepted.
    var framingAccepted: Bool { self.framingRefusal == nil }

    /// Without a 101 the connection cannot carry another request: llhttp stops parsing after a
    /// request that asks for an upgrade (or CONNECT).
    var endsConnection: Bool { self.upgradeProtocol != nil || self.head.method == .CONNECT }

    /// Where the head goes, given the routes in force and the global body limit.
    func decide(routes: ActiveRoutes, globalBodyLimit: Int64) -> Decision {
        if let reason = self.framingRefusal {
            return .refuse(.badRequest, log: "rejected request framing", reason: reason)
        }
        // Only WebSocket may switch protocols: an `h2c` upgrade reaching the backend would let the
        // client talk to it past Zenith's routes and limits.
        let isUpgrade = self.upgradeProtocol?.trimmingHTTPWhitespace().equalsIgnoringASCIICase("websocket") ?? false
        if self.head.method == .CONNECT {
            return .errorPage(.methodNotAllowed, answerBeforeBody: true, route: nil)
        }
        let target: RequestTarget
        do {
            target = try RequestTarget(self.head.uri, host: self.fields.host)
        } catch {
            return .refuse(.badRequest, log: "rejected request target", reason: "\(error)")
        }
        var head = self.head
        if target.originForm.startIndex != head.uri.startIndex {
            head.uri = String(target.originForm)  // An absolute-form target goes on in origin form.
        }
        guard let route = routes.match(host: self.fields.host, path: target.routingPath) else {
            return .errorPage(.notFound, answerBeforeBody: false, route: nil)
        }
        let bodyLimit = route.rule.options.bodyBytes ?? globalBodyLimit
        if let declared = self.fields.framing.contentLength, declared > bodyLimit {
            return .errorPage(.payloadTooLarge, answerBeforeBody: true, route: route)
        }
        return .route(RoutedRequest(
            route: route, head: head, framing: self.fields.framing, path: target.routingPath,
            isUpgrade: isUpgrade, expectsContinue: self.fields.expectsContinue, bodyLimit: bodyLimit
        ))
    }
}
