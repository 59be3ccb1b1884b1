import EngineIO
import Testing

@Suite("Engine.IO request query")
struct EngineIOHandshakeQueryTests {
    let sid = EngineIOSessionID.make(loopIndex: 3)

    @Test("the spec's handshake URI parses into its parameters")
    func parsesSpecURI() throws {
        let query = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=polling&t=N8hyd6w")
        #expect(query.protocolVersion == "4")
        #expect(query.transportName == "polling")
        #expect(query.timestamp == "N8hyd6w")
        #expect(query.sid == nil)
        #expect(query.parameters.map(\.name) == ["EIO", "transport", "t"])
    }

    @Test("a polling handshake by GET is accepted")
    func pollingHandshake() throws {
        let query = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=polling&t=N8hyd6w")
        #expect(try query.validate(method: "GET", isWebSocketUpgrade: false) == .handshake(.polling))
    }

    @Test("a WebSocket-only handshake by upgrade is accepted")
    func webSocketHandshake() throws {
        let query = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=websocket")
        #expect(try query.validate(method: "GET", isWebSocketUpgrade: true) == .handshake(.websocket))
    }

    @Test("a request with a sid addresses that session")
    func existingSession() throws {
        let poll = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=polling&t=N8hyd7H&sid=\(sid)")
        #expect(try poll.validate(method: "POST", isWebSocketUpgrade: false) == .session(sid: sid, transport: .polling))
        let upgrade = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
        #expect(try upgrade.validate(method: "GET", isWebSocketUpgrade: true) == .session(sid: sid, transport: .websocket))
    }

    @Test("percent escapes and plus signs are decoded")
    func percentDecoding() throws {
        let query = try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4&transport=pol%6Cing&name=a+b%20c%E2%82%AC&flag")
        #expect(query.transportName == "polling")
        #expect(query.value(of: "name") == "a b c€")
        #expect(query.value(of: "flag") == "")
        #expect(query.value(of: "missing") == nil)
    }

    @Test("a fragment is not part of the query, and no query means no parameters")
    func fragmentAndNoQuery() throws {
        #expect(try EngineIOHandshakeQuery(uri: "/socket.io/?EIO=4#transport=x").transportName == nil)
        #expect(try EngineIOHandshakeQuery(uri: "/socket.io/").parameters.isEmpty)
    }

    @Test("malformed percent escapes and non-UTF-8 values are a bad request", arguments: [
        "/?EIO=4&transport=polling%", "/?EIO=4&transport=polling%2", "/?EIO=4&x=%zz", "/?x=%C3%28",
    ])
    func malformedEscapes(uri: String) {
        #expect(throws: EngineIOServerError.badRequest) { try EngineIOHandshakeQuery(uri: uri) }
    }

    @Test("a repeated EIO, transport or sid is a bad request", arguments: [
        "/?EIO=4&EIO=4&transport=polling", "/?EIO=4&transport=polling&transport=websocket", "/?sid=a&sid=b",
    ])
    func repeatedKeys(uri: String) {
        #expect(throws: EngineIOServerError.badRequest) { try EngineIOHandshakeQuery(uri: uri) }
    }

    @Test("a missing or unknown transport is 'Transport unknown'", arguments: [
        "/?EIO=4", "/?EIO=4&transport=flashsocket", "/?EIO=4&transport=", "/?EIO=4&transport=webtransport", "/?EIO=4&transport=Polling",
    ])
    func unknownTransport(uri: String) throws {
        let query = try EngineIOHandshakeQuery(uri: uri)
        #expect(throws: EngineIOServerError.transportUnknown) { try query.validate(method: "GET", isWebSocketUpgrade: false) }
    }

    @Test("a handshake by POST is 'Bad handshake method'")
    func handshakeByPost() throws {
        let query = try EngineIOHandshakeQuery(uri: "/?EIO=4&transport=polling")
        #expect(throws: EngineIOServerError.badHandshakeMethod) { try query.validate(method: "POST", isWebSocketUpgrade: false) }
    }

    @Test("a handshake for another protocol revision is 'Unsupported protocol version'", arguments: [
        "/?EIO=3&transport=polling", "/?transport=polling", "/?EIO=5&transport=polling", "/?EIO=04&transport=polling",
    ])
    func unsupportedVersion(uri: String) throws {
        let query = try EngineIOHandshakeQuery(uri: uri)
        #expect(throws: EngineIOServerError.unsupportedProtocolVersion) { try query.validate(method: "GET", isWebSocketUpgrade: false) }
    }

    @Test("websocket without an upgrade, or an upgrade for polling, is a bad request")
    func transportMismatch() throws {
        let webSocket = try EngineIOHandshakeQuery(uri: "/?EIO=4&transport=websocket")
        #expect(throws: EngineIOServerError.badRequest) { try webSocket.validate(method: "GET", isWebSocketUpgrade: false) }
        let polling = try EngineIOHandshakeQuery(uri: "/?EIO=4&transport=polling&sid=\(sid)")
        #expect(throws: EngineIOServerError.badRequest) { try polling.validate(method: "GET", isWebSocketUpgrade: true) }
    }

    @Test("a sid we could never have made is 'Session ID unknown'", arguments: ["short", "lv_VI97HAXpY6yYWAAAC+", "lv_VI97HAXpY6yYWAA=C", "ééééééééééééééééééé"])
    func malformedSid(sid: String) throws {
        let query = try EngineIOHandshakeQuery(query: Substring("EIO=4&transport=polling&sid=\(sid)"))
        #expect(throws: EngineIOServerError.sessionIDUnknown) { try query.validate(method: "GET", isWebSocketUpgrade: false) }
    }
}
