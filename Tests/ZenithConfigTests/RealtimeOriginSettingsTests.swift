import Testing

@testable import ZenithConfig

@Suite("[realtime] allowed_origins")
struct RealtimeOriginSettingsTests {
    @Test("\"*\" is accepted only as written, with a warning that names the risk")
    func starWarns() throws {
        let fixture = try ConfigFixture(config: minimalConfig + "[realtime]\nallowed_origins = [\"*\"]\n")
        let loaded = try fixture.load()
        #expect(loaded.configuration.realtime.allowedOrigins == ["*"])
        #expect(loaded.warnings.map(\.description) == [
            "\(fixture.configPath):4: warning: allowed_origins \"*\" lets any web site open realtime sessions with a "
                + "visitor's cookies (cross-site WebSocket hijacking); list the origins that need it instead"
        ])
    }

    @Test("listed origins and an unset list load without warnings")
    func noWarning() throws {
        #expect(try ConfigFixture(config: minimalConfig + "[realtime]\nallowed_origins = [\"https://d.example\"]\n").load().warnings.isEmpty)
        #expect(try ConfigFixture(config: minimalConfig).load().warnings.isEmpty)
    }
}
