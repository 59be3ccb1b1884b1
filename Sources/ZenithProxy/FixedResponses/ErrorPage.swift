import NIOCore
import NIOHTTP1

/// The small page Zenith answers with when it, not the backend, decides the status: HTML for
/// browsers, JSON for clients that ask for it, never any detail about the backend.
struct ErrorPage {
    var status: HTTPResponseStatus
    var prefersJSON: Bool

    var body: ByteBuffer {
        let text: String
        if self.prefersJSON {
            text = #"{"error":{"status":\#(self.status.code),"message":"\#(self.status.reasonPhrase)"}}"#
        } else {
            text = """
                <!DOCTYPE html><html><head><title>\(self.status.code) \(self.status.reasonPhrase)</title></head>\
                <body><h1>\(self.status.code) \(self.status.reasonPhrase)</h1><hr><p>zenith</p></body></html>\n
                """
        }
        return ByteBuffer(string: text)
    }

    func head(version: HTTPVersion) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: self.prefersJSON ? "application/json" : "text/html; charset=utf-8")
        headers.add(name: "content-length", value: String(self.body.readableBytes))
        headers.add(name: "cache-control", value: "no-store")
        return HTTPResponseHead(version: version, status: self.status, headers: headers)
    }
}
