import NIOCore
import NIOHTTP1
import ZenithConfig

/// Answers a request from Zenith itself with a fixed head and body: `respond` and `redirect`
/// routes, error pages, and `realtime` routes until an engine is attached.
///
/// The answer goes out when the request has been read to its end (its body is discarded), so the
/// connection can be kept; with `answerBeforeBody` it goes out at once and the connection closes.
final class FixedResponder: RequestResponder {
    private let client: any ResponderContext
    private let head: HTTPResponseHead
    private let body: ByteBuffer
    private let answerBeforeBody: Bool

    init(client: any ResponderContext, head: HTTPResponseHead, body: ByteBuffer, answerBeforeBody: Bool) {
        self.client = client
        self.head = head
        self.body = body
        self.answerBeforeBody = answerBeforeBody
    }

    static func errorPage(
        _ status: HTTPResponseStatus, for client: any ResponderContext, answerBeforeBody: Bool = false
    ) -> FixedResponder {
        let page = ErrorPage(status: status, prefersJSON: client.summary?.prefersJSON ?? false)
        return FixedResponder(
            client: client, head: page.head(version: .http1_1), body: page.body, answerBeforeBody: answerBeforeBody
        )
    }

    static func text(
        _ status: HTTPResponseStatus, _ text: String, for client: any ResponderContext, answerBeforeBody: Bool
    ) -> FixedResponder {
        let body = ByteBuffer(string: text.isEmpty ? "" : text + "\n")
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        return FixedResponder(
            client: client, head: HTTPResponseHead(version: .http1_1, status: status, headers: headers),
            body: body, answerBeforeBody: answerBeforeBody
        )
    }

    static func redirect(
        _ status: HTTPResponseStatus, to location: String, for client: any ResponderContext, answerBeforeBody: Bool
    ) -> FixedResponder {
        let body = ByteBuffer(string: "<!DOCTYPE html><html><body><a href=\"\(location.htmlEscaped)\">moved</a></body></html>\n")
        var headers = HTTPHeaders()
        headers.add(name: "location", value: location)
        headers.add(name: "content-type", value: "text/html; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        return FixedResponder(
            client: client, head: HTTPResponseHead(version: .http1_1, status: status, headers: headers),
            body: body, answerBeforeBody: answerBeforeBody
        )
    }

    func start() {
        if self.answerBeforeBody {
            self.answer()
        }
    }

    func requestBodyPart(_ buffer: ByteBuffer) {}

    func requestEnd(trailers: HTTPHeaders?) {
        if !self.answerBeforeBody {
            self.answer()
        }
    }

    func clientBecameWritable() {}

    func abort() {}

    private func answer() {
        self.client.sendHead(self.head)
        if self.client.summary?.method != .HEAD {
            self.client.sendBody(.byteBuffer(self.body))
        }
        self.client.finishResponse()
    }
}

extension String {
    /// The text with the five HTML special characters escaped, for putting a URL into a page.
    var htmlEscaped: String {
        var result = ""
        result.reserveCapacity(self.utf8.count)
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
