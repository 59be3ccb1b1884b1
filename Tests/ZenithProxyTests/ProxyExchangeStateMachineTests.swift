import NIOCore
import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("proxied request rules (ProxyExchangeStateMachine, UpstreamRetryRule)")
struct ProxyExchangeStateMachineTests {
    typealias Machine = ProxyExchangeStateMachine
    static let part = ByteBuffer(string: "abc")

    /// A machine whose request is on a connection.
    static func attached(method: HTTPMethod = .GET, isUpgrade: Bool = false) -> Machine {
        var machine = Machine(method: method, isUpgrade: isUpgrade)
        expect(machine.leaseEnded(.leased), .attach(.init(pendingBody: [], sendEnd: false)))
        return machine
    }

    @Test("request parts read before a connection is attached wait, then go first, in order")
    func pendingParts() {
        var machine = Machine(method: .POST, isUpgrade: false)
        expect(machine.requestBodyPart(Self.part), .hold)
        expect(machine.requestBodyPart(ByteBuffer(string: "de")), .hold)
        expect(machine.requestEnd(), .hold)
        expect(
            machine.leaseEnded(.leased),
            .attach(.init(pendingBody: [Self.part, ByteBuffer(string: "de")], sendEnd: true))
        )
        expect(machine.requestBodyPart(Self.part), .send)
    }

    @Test("a kept response to a request forwarded whole gives the connection back for reuse")
    func reusable() {
        var machine = Self.attached()
        expect(machine.requestEnd(), .send)
        expect(machine.responseHead(status: .ok, keepAlive: true), .forward)
        expect(machine.responseEnd(), .release(reusable: true))
        expect(machine.requestEnd(), .drop)
    }

    @Test("a connection whose backend answered before the whole body, or said close, is not reused")
    func notReusable() {
        var early = Self.attached(method: .POST)
        expect(early.responseHead(status: .ok, keepAlive: true), .forward)
        expect(early.responseEnd(), .release(reusable: false))

        var closing = Self.attached()
        _ = closing.requestEnd()
        expect(closing.responseHead(status: .ok, keepAlive: false), .forward)
        expect(closing.responseEnd(), .release(reusable: false))
    }

    @Test("a refused upgrade does not return its connection to the pool")
    func refusedUpgrade() {
        var machine = Self.attached(isUpgrade: true)
        _ = machine.requestEnd()
        expect(machine.responseHead(status: .ok, keepAlive: true), .forward)
        expect(machine.responseEnd(), .release(reusable: false))
    }

    @Test("a 101 to a WebSocket upgrade becomes a tunnel; a 101 nobody asked for is a 502")
    func switchingProtocols() {
        var upgrade = Self.attached(isUpgrade: true)
        _ = upgrade.requestEnd()
        expect(upgrade.responseHead(status: .switchingProtocols, keepAlive: false), .forward)
        expect(upgrade.responseEnd(), .tunnel)

        var unasked = Self.attached()
        expect(unasked.responseHead(status: .switchingProtocols, keepAlive: false), .fail(.badGateway))
        expect(unasked.responseEnd(), .ignore)
    }

    @Test("a connection closed before any answer is retried once for a GET, with its end sent again")
    func retryOnce() {
        var machine = Self.attached()
        _ = machine.requestEnd()
        expect(machine.upstreamClosed(error: nil), .retry)
        expect(machine.leaseEnded(.leased), .attach(.init(pendingBody: [], sendEnd: true)))
        expect(machine.upstreamClosed(error: nil), .failUnanswered(.badGateway, attempts: 2))
    }

    @Test("no retry for a POST, a body already sent, a malformed answer, or after the head")
    func noRetry() {
        var post = Self.attached(method: .POST)
        expect(post.upstreamClosed(error: nil), .failUnanswered(.badGateway, attempts: 1))

        var put = Self.attached(method: .PUT)
        _ = put.requestBodyPart(Self.part)
        expect(put.upstreamClosed(error: nil), .failUnanswered(.badGateway, attempts: 1))

        var malformed = Self.attached()
        expect(malformed.upstreamClosed(error: UpstreamResponseDecoder.Failure.badStatusLine), .fail(.badGateway))

        var answered = Self.attached()
        _ = answered.responseHead(status: .ok, keepAlive: true)
        expect(answered.upstreamClosed(error: nil), .fail(.badGateway))
    }

    @Test("the client gone mid-body: the attached connection is closed, a late lease is given back")
    func clientGoneMidBody() {
        var attached = Self.attached(method: .POST)
        _ = attached.requestBodyPart(Self.part)
        expect(attached.finish(), true)
        expect(attached.requestBodyPart(Self.part), .drop)
        expect(attached.upstreamClosed(error: nil), .ignore)

        var waiting = Machine(method: .POST, isUpgrade: false)
        _ = waiting.requestBodyPart(Self.part)
        expect(waiting.finish(), false)
        expect(waiting.leaseEnded(.leased), .giveBack)
    }

    @Test("a busy pool is a 503, a failed connect a 502")
    func leaseFailures() {
        var busy = Machine(method: .GET, isUpgrade: false)
        expect(busy.leaseEnded(.busy), .fail(.serviceUnavailable))
        var failed = Machine(method: .GET, isUpgrade: false)
        expect(failed.leaseEnded(.failed), .fail(.badGateway))
    }

    @Test("the response timeout ends only an exchange still waiting for its head")
    func responseTimeout() {
        var waiting = Self.attached()
        expect(waiting.responseTimedOut(), true)
        var answered = Self.attached()
        _ = answered.responseHead(status: .ok, keepAlive: true)
        expect(answered.responseTimedOut(), false)
    }

    @Test("Zenith's own requests follow the same retry rule")
    func sharedRetryRule() {
        var rule = UpstreamRetryRule()
        expect(rule.closedBeforeAnswer(method: .GET, bodyBytesSent: false, error: nil), true)
        expect(rule.closedBeforeAnswer(method: .GET, bodyBytesSent: false, error: nil), false)
    }
}
