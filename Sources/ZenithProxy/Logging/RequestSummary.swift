import NIOCore
import NIOHTTP1
import ZenithConfig

/// What the access log and the error pages need to know about the request being answered.
///
/// Filled by the client connection when a head arrives and completed as the response is written.
struct RequestSummary {
    var method: HTTPMethod
    var uri: String
    var version: HTTPVersion
    var startedAt: NIODeadline
    /// The route that took the request, nil when none matched or the head was refused.
    var route: ActiveRoutes.Entry? = nil
    var status: UInt = 0
    var responseBodyBytes: Int = 0
    /// Time from sending the request upstream until its response head arrived, if it was proxied.
    var upstreamTime: TimeAmount? = nil
    /// The request's Accept header, read only when Zenith writes an error page.
    var accept: String?

    /// The client wants a JSON error page rather than HTML.
    var prefersJSON: Bool {
        guard let accept = self.accept else { return false }
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}
