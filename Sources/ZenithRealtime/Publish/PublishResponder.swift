import Logging
import NIOCore
import NIOHTTP1
import SocketIO
import ZenithJSON
import ZenithProxy

/// Answers the publish listener's requests: `POST /publish` with the bearer token and a valid
/// body is broadcast and answered 202 with the number of local recipients; everything else gets
/// a JSON error.
struct PublishResponder: Sendable {
    let engine: RealtimeEngine
    let token: BearerToken
    let namespaces: Set<String>
    let logger: Logger

    func respond(to request: SmallHTTPRequest) -> EventLoopFuture<SmallHTTPResponse> {
        let eventLoop = request.eventLoop
        guard request.path == "/publish" else {
            return eventLoop.makeSucceededFuture(Self.json(.notFound, #"{"error":"not found"}"#))
        }
        guard request.head.method == .POST else {
            return eventLoop.makeSucceededFuture(Self.json(.methodNotAllowed, #"{"error":"use POST"}"#, headers: ["allow": "POST"]))
        }
        guard self.token.matches(authorization: request.head.headers.first(name: "authorization")) else {
            self.logger.notice(
                "publish refused: missing or wrong bearer token", metadata: ["client": "\(request.remoteAddress?.ipAddress ?? "-")"]
            )
            return eventLoop.makeSucceededFuture(
                Self.json(.unauthorized, #"{"error":"unauthorized"}"#, headers: ["www-authenticate": "Bearer"])
            )
        }
        let parsed: (broadcasts: [SocketIOBroadcast], isBatch: Bool)
        do {
            parsed = try PublishRequest.parse(request.body, namespaces: self.namespaces)
        } catch {
            return eventLoop.makeSucceededFuture(
                Self.json(.badRequest, JSONValue.object(["error": .string(error.message)]).jsonText)
            )
        }
        let counts = parsed.broadcasts.map { self.engine.publish($0) }
        return EventLoopFuture.whenAllSucceed(counts, on: eventLoop).map { recipients in
            let value: JSONValue = parsed.isBatch ? .array(recipients.map { .int(Int64($0)) }) : .int(Int64(recipients[0]))
            return Self.json(.accepted, JSONValue.object(["recipients": value]).jsonText)
        }.recover { _ in
            Self.json(.internalServerError, #"{"error":"publish failed"}"#)
        }
    }

    private static func json(_ status: HTTPResponseStatus, _ text: String, headers: HTTPHeaders = [:]) -> SmallHTTPResponse {
        SmallHTTPResponse(status, contentType: "application/json", text: text, headers: headers)
    }
}
