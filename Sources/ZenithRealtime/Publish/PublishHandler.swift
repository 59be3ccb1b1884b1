import Logging
import NIOCore
import NIOHTTP1
import SocketIO
import ZenithJSON
import ZenithProxy

/// Serves `POST /publish` on the publish listener: checks the bearer token, validates the body,
/// broadcasts, and answers 202 with the number of local recipients.
final class PublishHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    private let engine: RealtimeEngine
    private let token: BearerToken
    private let namespaces: Set<String>
    private let logger: Logger

    init(engine: RealtimeEngine, token: BearerToken, namespaces: Set<String>, logger: Logger) {
        self.engine = engine
        self.token = token
        self.namespaces = namespaces
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = self.unwrapInboundIn(data)
        let keepAlive = request.head.isKeepAlive
        guard request.head.uri.split(separator: "?").first == "/publish" else {
            self.answer(context, .notFound, #"{"error":"not found"}"#, keepAlive: keepAlive)
            return
        }
        guard request.head.method == .POST else {
            self.answer(context, .methodNotAllowed, #"{"error":"use POST"}"#, keepAlive: keepAlive, extra: [("allow", "POST")])
            return
        }
        guard self.token.matches(authorization: request.head.headers.first(name: "authorization")) else {
            self.logger.notice("publish refused: missing or wrong bearer token", metadata: ["client": "\(context.remoteAddress?.ipAddress ?? "-")"])
            self.answer(context, .unauthorized, #"{"error":"unauthorized"}"#, keepAlive: keepAlive, extra: [("www-authenticate", "Bearer")])
            return
        }
        let parsed: (broadcasts: [SocketIOBroadcast], isBatch: Bool)
        do {
            parsed = try PublishRequest.parse(request.body ?? ByteBuffer(), namespaces: self.namespaces)
        } catch {
            let message = JSONValue.object(["error": .string(error.message)]).jsonText
            self.answer(context, .badRequest, message, keepAlive: keepAlive)
            return
        }
        let counts = parsed.broadcasts.map { self.engine.publish($0) }
        EventLoopFuture.whenAllSucceed(counts, on: context.eventLoop).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let recipients):
                let value: JSONValue = parsed.isBatch
                    ? .array(recipients.map { .int(Int64($0)) }) : .int(Int64(recipients[0]))
                self.answer(context, .accepted, JSONValue.object(["recipients": value]).jsonText, keepAlive: keepAlive)
            case .failure:
                self.answer(context, .internalServerError, #"{"error":"publish failed"}"#, keepAlive: keepAlive)
            }
        }
    }

    private func answer(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ json: String, keepAlive: Bool,
        extra: [(String, String)] = []
    ) {
        context.writeSmallResponse(
            status, contentType: "application/json", body: ByteBuffer(string: json), extraHeaders: extra,
            keepAlive: keepAlive
        )
    }
}
