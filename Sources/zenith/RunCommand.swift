import ArgumentParser
import Dispatch
import Logging
import Metrics
import Prometheus
import NIOCore
import NIOPosix
import ZenithCluster
import ZenithConfig
import ZenithProxy
import ZenithRealtime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// `zenith run`: serve until SIGTERM or SIGINT; SIGHUP reloads config and routes.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve with the given config file."
    )

    @Option(name: .long, help: "Path of the config file.")
    var config: String = "/etc/zenith/zenith.toml"

    func run() async throws {
        let loaded = try CommandConfigurationLoader.load(self.config, preflight: true)
        let logLevel = Logger.Level(rawValue: loaded.configuration.log.level) ?? .info
        let logQueue = LogLineQueue()
        let format = LogLineFormat(rawValue: loaded.configuration.log.format) ?? .text
        LoggingSystem.bootstrap { label in
            QueuedLogHandler(label: label, queue: logQueue, logLevel: logLevel, format: format)
        }
        let logger = Logger(label: "zenith")
        logger.info("starting", metadata: ["version": "\(BuildInfo.versionLine)", "config": "\(self.config)"])
        for (name, upstream) in loaded.configuration.upstreams.sorted(by: { $0.key < $1.key }) {
            logger.info("upstream", metadata: ["name": "\(name)", "servers": "\(upstream.servers.map(\.description).joined(separator: ","))"])
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        try await withEventLoopGroup { group in
            try await self.serve(loaded.configuration, group: group, logger: logger, registry: registry)
        }
    }

    /// Starts every listener, then serves until SIGTERM or SIGINT, reloading on SIGHUP.
    private func serve(
        _ configuration: ZenithConfiguration, group: MultiThreadedEventLoopGroup, logger: Logger,
        registry: PrometheusCollectorRegistry
    ) async throws {
        let readiness = Readiness()
        let reloads = (
            done: Counter(label: "zenith_reloads_total", dimensions: [("result", "applied")]),
            refused: Counter(label: "zenith_reloads_total", dimensions: [("result", "refused")])
        )
        let signals = SignalStream.watching([SIGHUP, SIGTERM, SIGINT])
        let systemd = SystemdNotifier()
        let server: ProxyServer
        let publishServer: SmallHTTPServer?
        let metricsServer: SmallHTTPServer?
        let engine: RealtimeEngine
        let cluster: ClusterNode?
        let notifications: NotificationConsumer?
        do {
            cluster = try configuration.cluster.map {
                try ClusterNode(
                    settings: $0, namespaces: Set(configuration.realtime.namespaces), eventLoop: group.next(), logger: logger,
                    recovery: configuration.realtime.recovery
                )
            }
            server = try await ProxyServer.make(configuration: configuration, group: group, logger: logger)
            engine = try await RealtimeEngine.make(
                settings: configuration.realtime, eventLoops: Array(group.makeIterator()), logger: logger,
                upstreamClient: server.upstreamClient, watches: configuration.watches, cluster: cluster
            )
            if let recoveryFile = configuration.realtime.recoveryFile, cluster == nil {
                RecoveryFile.read(into: engine, from: recoveryFile, logger: logger)
            }
            if let recovery = cluster?.recovery {
                await ClusterStreamCatchUp.wait(for: recovery, logger: logger)
            }
            try await server.start(
                realtimeEndpoint: engine, inherited: InheritedListeners(environment: SystemdNotifier.processEnvironment())
            )
            if let publish = configuration.publish {
                publishServer = try await PublishServer.start(
                    settings: publish, tokenFileContents: try String(contentsOfFile: publish.tokenFile, encoding: .utf8),
                    engine: engine, namespaces: configuration.realtime.namespaces, limits: configuration.limits,
                    group: group, logger: logger
                )
            } else {
                publishServer = nil
            }
            if let metrics = configuration.metrics {
                metricsServer = try await MetricsServer.start(
                    settings: metrics, limits: configuration.limits, registry: registry, proxyMetrics: server.metrics,
                    readiness: readiness, group: group, logger: logger
                )
            } else {
                metricsServer = nil
            }
            notifications = try configuration.notifications.map { settings in
                try NotificationConsumer(
                    settings: settings, rules: configuration.notify, engine: engine,
                    namespaces: configuration.realtime.namespaces, eventLoopGroup: group, logger: logger)
            }
        } catch {
            logger.critical("could not start", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.runtimeFailure)
        }

        // Every listener is bound and the configuration loaded: only now is the service ready.
        systemd.ready()
        readiness.listenersBound(upstreams: Array(configuration.upstreams.values))
        if let cluster {
            // Redis is shared by every node: were its loss to make nodes unready, the load
            // balancer would take them all out. Each goes on serving its own sockets instead.
            readiness.addNote { cluster.problems.isEmpty ? nil : cluster.problems.joined(separator: "\n") }
        }
        if let notifications {
            readiness.addNote { notifications.readinessNote }
            notifications.start()
        }
        let watchdog = SystemdWatchdog(notifier: systemd, loops: Array(group.makeIterator()))
        var drainTimeout = configuration.proxy.drainTimeout
        for await signal in signals {
            if signal == SIGHUP {
                systemd.reloading()
                if let reloaded = await self.reload(server, logger: logger) {
                    drainTimeout = reloaded.proxy.drainTimeout
                    readiness.configurationChanged(upstreams: Array(reloaded.upstreams.values))
                    reloads.done.increment()
                } else {
                    reloads.refused.increment()
                }
                systemd.ready()
                continue
            }
            logger.info("stopping", metadata: ["signal": "\(signal)"])
            break
        }
        systemd.stopping()
        await publishServer?.close()
        await metricsServer?.close()
        await notifications?.stop()
        await engine.dropAllSessions()
        if let recoveryFile = configuration.realtime.recoveryFile, cluster == nil {
            RecoveryFile.write(engine, to: recoveryFile, logger: logger)
        }
        await cluster?.shutdown()
        await server.shutdown(gracePeriod: drainTimeout)
        watchdog?.stop()
    }

    /// Loads the config again and puts it in force; the configuration now in force, or nil when
    /// the new one was refused and the old one stays.
    private func reload(_ server: ProxyServer, logger: Logger) async -> ZenithConfiguration? {
        do {
            try await ConfigurationPreflight.check(self.config)
            let loaded = try ConfigurationLoader.load(configPath: self.config)
            try await server.reload(loaded.configuration)
            logger.info("reloaded", metadata: ["config": "\(self.config)"])
            return loaded.configuration
        } catch let error as ConfigurationError {
            logger.error(
                "reload refused, keeping the running configuration",
                metadata: ["errors": "\(error.diagnostics.map(\.description).joined(separator: "; "))"]
            )
        } catch let crash as ConfigurationPreflight.Crash {
            logger.error(
                "reload refused, keeping the running configuration", metadata: ["errors": "\(crash)"]
            )
        } catch {
            logger.error("reload failed", metadata: ["error": "\(error)"])
        }
        return nil
    }
}
