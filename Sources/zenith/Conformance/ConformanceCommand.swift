import ArgumentParser
import EngineIO
import Logging
import NIOCore
import NIOPosix
import SocketIO
import ZenithJSON
import ZenithProxy
import ZenithRealtime

/// `zenith conformance`: the reference-server behaviour that the official Engine.IO and
/// Socket.IO protocol test suites expect, so that they can be run against Zenith.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Serve the reference behaviour of the official Engine.IO / Socket.IO test suites."
    )

    @Option(name: .long, help: "Port to listen on (127.0.0.1).")
    var port: Int = 3000

    @Option(name: .long, help: "Engine.IO pingTimeout in milliseconds (the suites use 200).")
    var pingTimeoutMs: Int = 200

    func validate() throws {
        guard (1...60_000).contains(self.pingTimeoutMs) else {
            throw ValidationError("--ping-timeout-ms must be between 1 and 60000")
        }
    }

    func run() async throws {
        let logger = Logger(label: "zenith")
        let signals = SignalStream.watching([SIGTERM, SIGINT])
        // One event loop, as the single-threaded reference server has: the suites send WebSocket
        // frames and then a polling request on another connection and expect them handled in
        // that order, which two loops do not promise.
        try await withEventLoopGroup(threads: 1) { group in
            let loops = Array(group.makeIterator())
            // The settings the suites' reference servers use. A browser test that sends payloads
            // of maxPayload through a debug build on a loaded machine may allow a longer pingTimeout.
            let engineConfiguration = EngineIOConfiguration(
                pingInterval: .milliseconds(300), pingTimeout: .milliseconds(Int64(self.pingTimeoutMs)),
                maxPayload: 1_000_000, origins: .any
            )
            let socketIO = try await SocketIOServer.make(
                configuration: SocketIOConfiguration(connectTimeout: .milliseconds(1000), ackTimeout: .seconds(2)),
                engineConfiguration: engineConfiguration,
                namespaces: ["/": ConformanceEchoNamespace(), "/custom": ConformanceAuthNamespace()],
                eventLoops: loops, logger: logger
            )
            let rawEngine = try await EngineIOServer.make(configuration: engineConfiguration, eventLoops: loops) { session in
                session.delegate = EngineIOEcho()
            }
            let endpoint = PathDispatchingEndpoint(routes: [
                ("/engine.io/", EngineIOEndpoint(server: rawEngine)),
                ("/socket.io/", RealtimeEngine(socketIO: socketIO)),
            ])
            let files = try TemporaryConfiguration(
                config: """
                    [listen]
                    http = ["127.0.0.1:\(self.port)"]
                    [log]
                    access = false
                    """,
                routes: """
                    *  /engine.io/  realtime
                    *  /socket.io/  realtime
                    *  /            respond 404
                    """
            )
            let configuration = try CommandConfigurationLoader.load(files.configPath, preflight: false).configuration
            let server = try await ProxyServer.start(
                configuration: configuration, group: group, logger: logger, realtimeEndpoint: endpoint
            )
            printLine("zenith conformance server on http://127.0.0.1:\(self.port) (/socket.io/ and /engine.io/)")
            for await _ in signals { break }
            await server.shutdown(gracePeriod: .seconds(5))
        }
    }
}

/// The Engine.IO suite's server: every message is sent back as it came.
final class EngineIOEcho: EngineIOSessionDelegate {
    func engineIOSession(_ session: EngineIOSession, didReceiveText text: String) {
        session.send(.message(text))
    }

    func engineIOSession(_ session: EngineIOSession, didReceiveBinary data: ByteBuffer) {
        session.send(.binary(data))
    }

    func engineIOSessionDidClose(_ session: EngineIOSession, reason: String) {}
}

/// The Socket.IO suite's main namespace: echoes the auth object on connect, `message` back as
/// `message-back`, and acknowledges `message-with-ack` with its arguments. Beyond the suite, for
/// server-to-client acknowledgements: `ack-me` makes the server emit `ack-request` (same
/// arguments) asking for an ack, then report `ack-received` (the ack's arguments) or
/// `ack-timed-out` after the 2 s ack timeout.
struct ConformanceEchoNamespace: SocketIONamespaceHandler {
    func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        socket.eventLoop.makeSucceededFuture(nil)
    }

    func connected(_ socket: SocketIOSocket) {
        emitAuthAfterConnect(socket)
    }

    func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        switch event {
        case "message": socket.emit("message-back", arguments)
        case "message-with-ack": ack?.send(arguments)
        case "ack-me":
            socket.emit("ack-request", arguments) { answer in
                if let answer {
                    socket.emit("ack-received", answer)
                } else {
                    socket.emit("ack-timed-out", [])
                }
            }
        default: break
        }
    }

    func disconnected(_ socket: SocketIOSocket, reason: String) {}
}

/// The Socket.IO suite's `/custom` namespace: echoes the auth object on connect.
struct ConformanceAuthNamespace: SocketIONamespaceHandler {
    func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        socket.eventLoop.makeSucceededFuture(nil)
    }

    func connected(_ socket: SocketIOSocket) {
        emitAuthAfterConnect(socket)
    }

    func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {}

    func disconnected(_ socket: SocketIOSocket, reason: String) {}
}

/// The suites' servers echo the CONNECT's auth object as an `auth` event. It is sent 2 ms after the
/// CONNECT answer rather than in the same write: the suites' Node client adds its listener for
/// that event only once it has handled the CONNECT answer, and `ws` delivers the messages of one
/// TCP read back to back, so an event read together with the answer would be missed (the
/// reference server's writes happen to land in separate reads). Zenith batches the writes of one
/// loop turn, which real clients (browsers, python-socketio) read one message at a time.
private func emitAuthAfterConnect(_ socket: SocketIOSocket) {
    socket.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(2)) {
        guard socket.isConnected else { return }
        socket.emit("auth", [.object(socket.auth)])
    }
}
