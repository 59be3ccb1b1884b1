import EngineIO
import Testing

@Suite("Engine.IO server errors")
struct EngineIOServerErrorTests {
    @Test("codes, messages and bodies match the Node reference server", arguments: [
        (EngineIOServerError.transportUnknown, 0, "Transport unknown"),
        (.sessionIDUnknown, 1, "Session ID unknown"),
        (.badHandshakeMethod, 2, "Bad handshake method"),
        (.badRequest, 3, "Bad request"),
        (.forbidden, 4, "Forbidden"),
        (.unsupportedProtocolVersion, 5, "Unsupported protocol version"),
    ])
    func matchesReference(error: EngineIOServerError, code: Int, message: String) {
        #expect(error.rawValue == code)
        #expect(error.message == message)
        #expect(error.jsonBody == "{\"code\":\(code),\"message\":\"\(message)\"}")
    }

    @Test("forbidden answers 403, every other error 400")
    func httpStatus() {
        for error in EngineIOServerError.allCases {
            #expect(error.httpStatus == (error == .forbidden ? 403 : 400))
        }
    }
}
