import NIOCore
import NIOHTTP1

extension EngineIOServerError {
    /// The HTTP answer for this protocol error: its status and `{"code":N,"message":"..."}`.
    func response(headers: HTTPHeaders) -> EngineIOHTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        return EngineIOHTTPResponse(
            status: HTTPResponseStatus(statusCode: self.httpStatus), headers: headers,
            body: ByteBuffer(string: self.jsonBody)
        )
    }
}
