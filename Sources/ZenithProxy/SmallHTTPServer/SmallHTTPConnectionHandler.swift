import Logging
import NIOCore
import NIOHTTP1

/// One connection of a `SmallHTTPServer`: collects a request within the body bound, hands it to
/// the server's `respond`, writes the answer, and keeps the connection's timer (head, stalled
/// body, idle keep-alive). Behind NIO's pipelining helper, so requests come one at a time.
final class SmallHTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head.
        case idle
        /// A head came; its body is collected.
        case collecting(HTTPRequestHead, ByteBuffer)
        /// The announced body was refused with a 413 on a kept connection: it is read and
        /// dropped, so that the client reads the answer instead of a reset.
        case discarding
        /// The complete request is with `respond`.
        case answering
        /// Nothing more is read or answered.
        case closed
    }

    /// A refused body up to this many times the limit is read and dropped to keep the connection;
    /// a longer one closes it.
    static let maximumDiscardedBodyFactor: Int64 = 4

    private let name: String
    private let limits: SmallHTTPServer.Limits
    private let logger: Logger
    private let respond: SmallHTTPServer.Respond
    private var state = State.idle
    private var timeout: Scheduled<Void>?

    init(name: String, limits: SmallHTTPServer.Limits, logger: Logger, respond: @escaping SmallHTTPServer.Respond) {
        self.name = name
        self.limits = limits
        self.logger = logger
        self.respond = respond
    }

    func channelActive(context: ChannelHandlerContext) {
        self.armTimeout(context, self.limits.headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timeout?.cancel()
        self.state = .closed
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (self.unwrapInboundIn(data), self.state) {
        case (.head(let head), .idle):
            self.armTimeout(context, self.limits.headerTimeout)
            // NIO's decoder has already refused a malformed or ambiguous Content-Length.
            if let length = head.headers.first(name: "content-length").flatMap(Int64.init(decimalDigits:)),
                length > self.limits.bodyBytes
            {
                // Read and dropped on a kept connection only while it is small: a client that
                // announces gigabytes would otherwise keep the connection reading for as long.
                let keepAlive = head.isKeepAlive && length <= Self.maximumDiscardedBodyFactor * Int64(self.limits.bodyBytes)
                self.refuse(context, .payloadTooLarge, keepAlive: keepAlive)
                if keepAlive { self.state = .discarding }
            } else {
                self.state = .collecting(head, context.channel.allocator.buffer(capacity: 0))
                // A client that asks (curl does before large bodies) would wait a second for this.
                if head.version.minor >= 1, head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                    context.writeAndFlush(
                        self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil
                    )
                }
            }
        case (.body(var part), .collecting(let head, var body)):
            self.armTimeout(context, self.limits.headerTimeout)
            guard part.readableBytes <= self.limits.bodyBytes - body.readableBytes else {
                // The client is still sending: only closing ends it.
                self.refuse(context, .payloadTooLarge, keepAlive: false)
                return
            }
            self.state = .answering  // so that `body` is the buffer's only reference while it grows
            body.writeBuffer(&part)
            self.state = .collecting(head, body)
        case (.body, .discarding):
            self.armTimeout(context, self.limits.headerTimeout)
        case (.end, .collecting(let head, let body)):
            self.timeout?.cancel()
            self.state = .answering
            self.answer(
                SmallHTTPRequest(head: head, body: body, remoteAddress: context.remoteAddress, eventLoop: context.eventLoop),
                context
            )
        case (.end, .discarding):
            self.awaitNextRequest(context)
        default:
            break  // the rest of a refused request, until the connection closes
        }
    }

    /// A parse error is a 400 (431 for a head above the limit) and a log line, when no answer
    /// has been started for the request; the connection closes in every case.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch (error as? HTTPParserError, self.state) {
        case (let parserError?, .idle), (let parserError?, .collecting):
            self.logger.info(
                "rejected malformed request",
                metadata: [
                    "listener": "\(self.name)", "client": "\(context.remoteAddress?.ipAddress ?? "-")",
                    "error": "\(parserError)",
                ]
            )
            self.refuse(context, parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest, keepAlive: false)
        default:
            self.close(context)
        }
    }

    private func answer(_ request: SmallHTTPRequest, _ context: ChannelHandlerContext) {
        let keepAlive = request.head.isKeepAlive
        let omitBody = request.head.method == .HEAD
        self.respond(request).hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            guard case .answering = self.state else { return }  // the client left meanwhile
            let response: SmallHTTPResponse
            switch result {
            case .success(let answer):
                response = answer
            case .failure(let error):
                self.logger.error("answer failed", metadata: ["listener": "\(self.name)", "error": "\(error)"])
                response = SmallHTTPResponse(.internalServerError, contentType: "text/plain", text: "internal error\n")
            }
            self.write(response, context, keepAlive: keepAlive, omitBody: omitBody)
            if keepAlive { self.awaitNextRequest(context) }
        }
    }

    /// Answers a request the listener itself turns down.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, keepAlive: Bool) {
        let text = "\(status.code) \(status.reasonPhrase)\n"
        self.write(SmallHTTPResponse(status, contentType: "text/plain", text: text), context, keepAlive: keepAlive)
    }

    /// Writes a whole answer; without `keepAlive` the connection closes once it is sent.
    private func write(_ response: SmallHTTPResponse, _ context: ChannelHandlerContext, keepAlive: Bool, omitBody: Bool = false) {
        context.write(self.wrapOutboundOut(.head(response.head(keepAlive: keepAlive))), promise: nil)
        if !omitBody {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let written = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        guard !keepAlive else { return }
        self.state = .closed
        self.timeout?.cancel()
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func awaitNextRequest(_ context: ChannelHandlerContext) {
        self.state = .idle
        self.armTimeout(context, self.limits.idleTimeout)
    }

    /// Closes the connection when nothing moves it on within `duration` (replacing any earlier
    /// timer: one per request part is cheap enough for these listeners' traffic).
    private func armTimeout(_ context: ChannelHandlerContext, _ duration: TimeAmount) {
        self.timeout?.cancel()
        self.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: duration) {
            self.close(context)
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        self.state = .closed
        self.timeout?.cancel()
        context.close(promise: nil)
    }
}
