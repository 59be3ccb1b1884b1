import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import SocketIO
import ZenithProxy
import ZenithRealtime

#if canImport(Glibc)
import Glibc
#endif

/// `zenith demo`: Zenith in front of a built-in demo backend whose page shows live events over
/// Socket.IO, published by a built-in ticker. Needs nothing else installed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Zenith with a built-in demo page that shows live events."
    )

    @Option(name: .long, help: "Port on 127.0.0.1 to serve the demo on.")
    var port: Int = 8000

    func run() async throws {
        let logQueue = LogLineQueue()
        LoggingSystem.bootstrap { label in QueuedLogHandler(label: label, queue: logQueue, logLevel: .notice) }
        let logger = Logger(label: "zenith")
        let signals = SignalStream.watching([SIGTERM, SIGINT])
        try await withEventLoopGroup { group in
            let backend = try await DemoBackend.start(group: group, logger: logger)
            let backendPort = backend.boundAddress?.port ?? 0
            let files = try TemporaryConfiguration(
                config: """
                    [listen]
                    http = ["127.0.0.1:\(self.port)"]
                    [upstream.demo]
                    servers = ["127.0.0.1:\(backendPort)"]
                    [log]
                    access = false
                    """,
                routes: """
                    *  /socket.io/  realtime
                    *  /            proxy  demo
                    """
            )
            let configuration = try CommandConfigurationLoader.load(files.configPath, preflight: false).configuration
            let ticker = DemoTicker()
            let engine = try await RealtimeEngine.make(
                settings: configuration.realtime, eventLoops: Array(group.makeIterator()), logger: logger,
                namespaceHandler: DemoNamespace(ticker: ticker)
            )
            ticker.start(engine: engine, on: group.next())
            let server: ProxyServer
            do {
                server = try await ProxyServer.start(
                    configuration: configuration, group: group, logger: logger, realtimeEndpoint: engine
                )
            } catch {
                printToStandardError("zenith demo: cannot listen on 127.0.0.1:\(self.port): \(error)")
                throw ExitCode(ExitStatus.runtimeFailure)
            }
            printLine("Zenith demo: open http://127.0.0.1:\(self.port)/ (Ctrl-C to stop)")
            for await _ in signals { break }
            ticker.stop()
            await server.shutdown(gracePeriod: .seconds(5))
            await backend.close()
        }
    }
}
