import EngineIO
import Testing
import ZenithConfig

@testable import ZenithRealtime

@Suite("the realtime engine's origin policy")
struct RealtimeOriginPolicyTests {
    private static func settings(allowedOrigins: [String]?, auth: Bool) -> RealtimeSettings {
        RealtimeSettings(
            pingInterval: .seconds(25), pingTimeout: .seconds(20), maxPayload: 1_000_000, connectTimeout: .seconds(45),
            allowedOrigins: allowedOrigins, allowMissingOrigin: false, namespaces: ["/"], maxRoomsPerSocket: 64,
            maxQueuedPackets: 1024,
            auth: auth
                ? RealtimeAuthSettings(
                    upstream: "horizon", endpoint: "/api/", cookies: ["sessionid"], headers: [:], cacheTTL: .seconds(30),
                    negativeTTL: .seconds(5), revalidate: .seconds(300), timeout: .seconds(5), fields: ["id": "id"],
                    rooms: [], subscribe: []
                ) : nil
        )
    }

    @Test("with [realtime.auth] and no list, only the dashboard's own origin")
    func authDefault() {
        #expect(RealtimeEngine.originPolicy(Self.settings(allowedOrigins: nil, auth: true)) == .list([], allowMissing: false, allowOwnOrigin: true))
    }

    @Test("with [realtime.auth] a list adds to the own origin")
    func authList() {
        #expect(
            RealtimeEngine.originPolicy(Self.settings(allowedOrigins: ["https://x.example"], auth: true))
                == .list(["https://x.example"], allowMissing: false, allowOwnOrigin: true)
        )
    }

    @Test("without [realtime.auth], as before: any origin, or the list alone")
    func anonymous() {
        #expect(RealtimeEngine.originPolicy(Self.settings(allowedOrigins: nil, auth: false)) == .any)
        #expect(
            RealtimeEngine.originPolicy(Self.settings(allowedOrigins: ["https://x.example"], auth: false))
                == .list(["https://x.example"], allowMissing: false)
        )
    }
}
