/// What zenith.toml itself says, read section by section, before the loader adds the routes file
/// and makes the whole a `ZenithConfiguration`.
///
/// Values that failed validation are left at their defaults here; the reported errors make sure
/// such a configuration is never used.
struct ConfigFileSections {
    var routesFile: String
    var listen: ListenConfiguration
    var tls: TLSFiles?
    var limits: Limits
    var proxy: ProxySettings
    var upstreams: [String: UpstreamConfiguration]
    /// Every `[upstream.NAME]` written, including ones with errors.
    var upstreamNames: Set<String>
    var log: LogSettings
    var realtime: RealtimeSettings
    var publish: PublishSettings?
    var metrics: MetricsSettings?
    var watches: [WatchSettings]
    var cluster: ClusterSettings?
    var notifications: NotificationSettings?
    var notify: [NotifySettings]

    init(reading topLevel: inout ConfigSectionReader, configFile: String) {
        routesFile = topLevel.read("routes", as: .string) ?? ConfigurationLoader.defaultRoutesFile

        var listenSection = topLevel.section("listen")
        listen = ListenConfiguration(reading: &listenSection)
        listenSection.finish()

        var tlsSection = topLevel.section("tls")
        tls = tlsSection.isPresent ? TLSFiles(reading: &tlsSection, configFile: configFile) : nil
        tlsSection.finish()
        Self.checkListeners(listen, listenSection: listenSection, tlsSection: tlsSection)

        var limitsSection = topLevel.section("limits")
        limits = Limits(reading: &limitsSection)
        limitsSection.finish()

        var proxySection = topLevel.section("proxy")
        proxy = ProxySettings(reading: &proxySection)
        proxySection.finish()

        var upstreamSection = topLevel.section("upstream")
        upstreams = [:]
        upstreamNames = []
        for var section in upstreamSection.sectionsByName() {
            let name = section.path.last!
            upstreamNames.insert(name)
            upstreams[name] = UpstreamConfiguration(reading: &section)
            section.finish()
        }

        var logSection = topLevel.section("log")
        log = LogSettings(reading: &logSection)
        logSection.finish()

        var realtimeSection = topLevel.section("realtime")
        realtime = RealtimeSettings(reading: &realtimeSection, configFile: configFile)
        var authSection = realtimeSection.section("auth")
        if authSection.isPresent {
            realtime.auth = RealtimeAuthSettings(reading: &authSection, upstreamNames: upstreamNames)
        }
        authSection.finish()
        realtimeSection.finish()

        var publishSection = topLevel.section("publish")
        publish = publishSection.isPresent ? PublishSettings(reading: &publishSection, configFile: configFile) : nil
        publishSection.finish()

        var clusterSection = topLevel.section("cluster")
        cluster = clusterSection.isPresent ? ClusterSettings(reading: &clusterSection, configFile: configFile) : nil
        if cluster != nil && proxy.trustedProxies.isEmpty {
            clusterSection.report(
                "nodes send sessions' requests on to one another: list their addresses in [proxy] trusted_proxies, "
                    + "so that a client's scheme crosses the hop (the origin check compares it)",
                severity: .warning
            )
        }
        if cluster != nil && realtime.recoveryFile != nil {
            clusterSection.report(
                "[realtime] recovery_file is not used in a cluster: recoverable sockets and the broadcasts they missed are kept in Redis",
                severity: .warning
            )
        }
        clusterSection.finish()

        var metricsSection = topLevel.section("metrics")
        metrics = metricsSection.isPresent ? MetricsSettings(reading: &metricsSection) : nil
        metricsSection.finish()

        watches = []
        var watchNames: Set<String> = []
        for var section in topLevel.arrayOfTables("watch") {
            if let watch = WatchSettings(
                reading: &section, upstreamNames: upstreamNames, auth: realtime.auth, takenNames: &watchNames
            ) {
                watches.append(watch)
            }
            section.finish()
        }

        var notificationsSection = topLevel.section("notifications")
        notifications = notificationsSection.isPresent
            ? NotificationSettings(reading: &notificationsSection, configFile: configFile) : nil
        notificationsSection.finish()
        notify = []
        var notifyNames: Set<String> = []
        for var section in topLevel.arrayOfTables("notify") {
            if let rule = NotifySettings(
                reading: &section, hasNotifications: notificationsSection.isPresent, watches: watches, takenNames: &notifyNames
            ) {
                notify.append(rule)
            }
            section.finish()
        }
        if notificationsSection.isPresent && !topLevel.contains("notify") {
            notificationsSection.report("[notifications] without [[notify]] entries consumes nothing", severity: .warning)
        }
    }

    private static func checkListeners(
        _ listen: ListenConfiguration, listenSection: ConfigSectionReader, tlsSection: ConfigSectionReader
    ) {
        // Also reported when the addresses written were invalid: the config then has no listener either.
        if listen.http.isEmpty && listen.https.isEmpty {
            listenSection.report("no listen address: set http or https in [listen]")
        }
        if !listen.https.isEmpty && !tlsSection.isPresent {
            listenSection.report("https listeners need a [tls] section with certificate and key", at: "https")
        }
        if tlsSection.isPresent && listen.https.isEmpty && !listenSection.contains("https") {
            tlsSection.report("[tls] is set but no https listener uses it", severity: .warning)
        }
    }
}
