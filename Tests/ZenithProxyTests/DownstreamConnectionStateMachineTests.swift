import NIOCore
import NIOHTTP1
import Testing

@testable import ZenithProxy

@Suite("client connection rules (DownstreamConnectionStateMachine)")
struct DownstreamConnectionStateMachineTests {
    static let head = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))
    static let end = HTTPServerRequestPart.end(nil)

    /// A machine answering a request that arrived on an HTTP/1.1 connection.
    static func responding(
        keepAlive: Bool = true, isHTTP10: Bool = false, hasBody: Bool = false, bodyLimit: Int64 = 100,
        isHTTP2: Bool = false
    ) -> DownstreamConnectionStateMachine {
        var machine = DownstreamConnectionStateMachine(isHTTP2: isHTTP2, isWritable: true)
        expect(machine.partArrived(head), .deliver)
        machine.requestHeadReceived(keepAlive: keepAlive, isHTTP10: isHTTP10, bodyLimit: bodyLimit)
        _ = machine.requestFramingRead(hasBody: hasBody)
        return machine
    }

    // MARK: Keep-alive

    @Test("a complete request answered on a kept connection leaves it idle for the next one")
    func keepAlive() {
        var machine = Self.responding()
        expect(machine.requestEndReceived(), true)
        expect(machine.responseHeadWritten(hasContentLength: true), .unchanged)
        expect(machine.responseEnded(), .keepOpen(releasePipelined: false))
        #expect(machine.state == .idle)
    }

    @Test("a request with Connection: close gets Connection: close and the connection closes after the response")
    func connectionClose() {
        var machine = Self.responding(keepAlive: false)
        _ = machine.requestEndReceived()
        expect(machine.responseHeadWritten(hasContentLength: true), .close)
        expect(machine.responseEnded(), .close)
        #expect(machine.isClosed)
    }

    @Test("a response that starts before the request's end closes the connection (the rest is not read)")
    func answeredBeforeTheEnd() {
        var machine = Self.responding(hasBody: true)
        expect(machine.responseHeadWritten(hasContentLength: true), .close)
        _ = machine.requestEndReceived()
        expect(machine.responseEnded(), .close)
    }

    @Test("an HTTP/1.0 client gets keep-alive said explicitly for a sized body, and a close for an unsized one")
    func http10() {
        var sized = Self.responding(isHTTP10: true)
        _ = sized.requestEndReceived()
        expect(sized.responseHeadWritten(hasContentLength: true), .keepAlive)
        expect(sized.responseEnded(), .keepOpen(releasePipelined: false))

        var unsized = Self.responding(isHTTP10: true)
        _ = unsized.requestEndReceived()
        expect(unsized.responseHeadWritten(hasContentLength: false), .close)
        expect(unsized.responseEnded(), .close)
    }

    @Test("an HTTP/2 stream gets no connection field, whatever the request said")
    func http2() {
        var machine = Self.responding(keepAlive: false, isHTTP2: true)
        _ = machine.requestEndReceived()
        expect(machine.responseHeadWritten(hasContentLength: false), .unchanged)
        expect(machine.responseEnded(), .keepOpen(releasePipelined: false))
    }

    @Test("an upgrade or CONNECT, once marked, closes after its answer")
    func closeAfterResponse() {
        var machine = Self.responding()
        machine.closeAfterResponse()
        _ = machine.requestEndReceived()
        expect(machine.responseHeadWritten(hasContentLength: true), .close)
        expect(machine.responseEnded(), .close)
    }

    // MARK: Pipelining

    @Test("a request pipelined behind an open response waits, holds reads, and is released after the response")
    func pipelining() {
        var machine = Self.responding()
        _ = machine.requestEndReceived()
        expect(machine.partArrived(Self.head), .hold)
        expect(machine.partArrived(Self.end), .hold)
        expect(machine.readRequested(), false)
        _ = machine.responseHeadWritten(hasContentLength: true)
        expect(machine.responseEnded(), .keepOpen(releasePipelined: true))
        // Still held: the waiting parts must be handled before the socket is read again.
        expect(machine.takePendingRead(), false)
        machine.releaseStarted()
        expect(machine.nextReleasedPart(), Self.head)
        machine.requestHeadReceived(keepAlive: true, isHTTP10: false, bodyLimit: 100)
        expect(machine.nextReleasedPart(), Self.end)
        _ = machine.requestEndReceived()
        expect(machine.nextReleasedPart(), nil)
        expect(machine.takePendingRead(), true)
    }

    @Test("requests pipelined behind a response that closes are not answered")
    func pipelinedAfterClose() {
        var machine = Self.responding(keepAlive: false)
        _ = machine.requestEndReceived()
        expect(machine.partArrived(Self.head), .hold)
        _ = machine.responseHeadWritten(hasContentLength: true)
        expect(machine.responseEnded(), .close)
        expect(machine.nextReleasedPart(), nil)
        #expect(machine.isClosed)
    }

    @Test("more waiting parts than the queue holds is an overflow")
    func pipelineOverflow() {
        var machine = Self.responding()
        for _ in 0..<PipelinedRequestQueue.maxWaitingParts {
            expect(machine.partArrived(Self.head), .hold)
        }
        expect(machine.partArrived(Self.head), .overflow)
    }

    // MARK: Reads

    @Test("reads are held while a responder pauses them or the client takes nothing, and a held read follows")
    func readBackpressure() {
        var machine = Self.responding()
        machine.pauseReading()
        expect(machine.readRequested(), false)
        expect(machine.resumeReading(), true)
        expect(machine.takePendingRead(), true)
        expect(machine.takePendingRead(), false)

        machine.writabilityChanged(false)
        expect(machine.readRequested(), false)
        expect(machine.takePendingRead(), false)
        machine.writabilityChanged(true)
        expect(machine.takePendingRead(), true)
        expect(machine.readRequested(), true)
    }

    @Test("the end of a response resumes paused reads")
    func responseEndResumesReads() {
        var machine = Self.responding()
        machine.pauseReading()
        expect(machine.readRequested(), false)
        _ = machine.requestEndReceived()
        _ = machine.responseHeadWritten(hasContentLength: true)
        _ = machine.responseEnded()
        expect(machine.takePendingRead(), true)
    }

    // MARK: Bodies

    @Test("body parts count against the route's limit: one byte over is 413")
    func bodyLimit() {
        var machine = Self.responding(hasBody: true)
        machine.bodyLimitChosen(10)
        expect(machine.requestBodyReceived(bytes: 10), .forward)
        expect(machine.requestBodyReceived(bytes: 1), .refuse(.payloadTooLarge, reason: "request body above limit"))
    }

    @Test("a body on a request whose head announced none is refused (HTTP/2 DATA on a GET)")
    func bodyWithoutFraming() {
        var machine = Self.responding(hasBody: false)
        expect(machine.requestBodyReceived(bytes: 1), .refuse(.badRequest, reason: "body without framing"))
    }

    @Test("body parts after the connection closed are dropped")
    func bodyAfterClose() {
        var machine = Self.responding(hasBody: true)
        _ = machine.connectionClosed()
        expect(machine.requestBodyReceived(bytes: 1), .ignore)
    }

    // MARK: Failures

    @Test("a failure before the response began writes an error page; after, it only closes")
    func failures() {
        var before = Self.responding()
        let beforeFailure = before.requestFailed()
        #expect(beforeFailure.action == .writeErrorPage && beforeFailure.abortResponder)
        #expect(before.isClosed)

        var after = Self.responding()
        _ = after.responseHeadWritten(hasContentLength: true)
        let afterFailure = after.requestFailed()
        #expect(afterFailure.action == .close && afterFailure.abortResponder)

        var closed = Self.responding()
        _ = closed.connectionClosed()
        let closedFailure = closed.requestFailed()
        #expect(closedFailure.action == .close && !closedFailure.abortResponder)
    }

    @Test("a malformed head after a kept connection's response is answered like a first one")
    func failureBetweenRequests() {
        var machine = Self.responding()
        _ = machine.requestEndReceived()
        _ = machine.responseHeadWritten(hasContentLength: true)
        _ = machine.responseEnded()
        let failure = machine.requestFailed()
        #expect(failure.action == .writeErrorPage && !failure.abortResponder)
    }

    @Test("bytes after a Connection: close request are not answered as an error")
    func bytesAfterClose() {
        var machine = Self.responding(keepAlive: false)
        expect(machine.parserErrorIsAnswered(closedConnection: true), false)
        expect(machine.parserErrorIsAnswered(closedConnection: false), true)
        let kept = Self.responding()
        expect(kept.parserErrorIsAnswered(closedConnection: true), true)
        _ = machine.requestEndReceived()
        _ = machine.responseHeadWritten(hasContentLength: true)
        _ = machine.responseEnded()
        expect(machine.parserErrorIsAnswered(closedConnection: true), false)
    }

    @Test("the client going away mid-request aborts the responder once")
    func clientGoneMidBody() {
        var machine = Self.responding(hasBody: true)
        expect(machine.requestBodyReceived(bytes: 5), .forward)
        expect(machine.connectionClosed(), true)
        expect(machine.connectionClosed(), false)
        expect(machine.responseEnded(), .none)
    }

    // MARK: Drains and deadlines

    @Test("a drain closes an idle connection now and a busy one after its response")
    func drain() {
        var idle = DownstreamConnectionStateMachine(isHTTP2: false, isWritable: true)
        expect(idle.quiesce(), true)
        #expect(idle.isClosed)

        var busy = Self.responding()
        expect(busy.quiesce(), false)
        _ = busy.requestEndReceived()
        expect(busy.responseHeadWritten(hasContentLength: true), .close)
        expect(busy.responseEnded(), .close)
    }

    @Test("the idle deadline closes only an idle connection")
    func idleDeadline() {
        var busy = Self.responding()
        expect(busy.idleDeadlinePassed(), false)
        var idle = DownstreamConnectionStateMachine(isHTTP2: false, isWritable: true)
        expect(idle.idleDeadlinePassed(), true)
        #expect(idle.isClosed)
    }

    @Test("body_timeout: a client that sent under the minimum meanwhile times out, unless Zenith held its reads")
    func bodyDeadline() {
        var machine = Self.responding(hasBody: true, bodyLimit: 1 << 20)
        machine.bodyDeadlineArmed()
        _ = machine.requestBodyReceived(bytes: Int(DownstreamConnectionStateMachine.minimumProgressBytes))
        expect(machine.bodyDeadlinePassed(), .rearm)
        machine.bodyDeadlineArmed()
        _ = machine.requestBodyReceived(bytes: 10)
        let received = DownstreamConnectionStateMachine.minimumProgressBytes + 10
        expect(machine.bodyDeadlinePassed(), .timeOut(bodyReceived: received))
        machine.pauseReading()
        expect(machine.bodyDeadlinePassed(), .rearm)
        _ = machine.resumeReading()
        _ = machine.requestEndReceived()
        expect(machine.bodyDeadlinePassed(), .none)
    }

    @Test("send_timeout: a socket that took bytes meanwhile gets another period, a stalled one is cut off")
    func sendDeadline() {
        var machine = Self.responding()
        expect(machine.sendDeadlinePassed(unsent: 0), .none)
        machine.writabilityChanged(false)
        machine.sendDeadlineArmed(unsent: 1000)
        machine.writtenWhileBlocked(500)
        expect(machine.sendDeadlinePassed(unsent: 1400), .rearm)
        expect(machine.sendDeadlinePassed(unsent: 1500), .cutOff)
        // An HTTP/2 stream cannot count its bytes: only writability counts.
        expect(machine.sendDeadlinePassed(unsent: nil), .cutOff)
    }

    @Test("a closing connection stays under send_timeout even when writable")
    func sendDeadlineWhileClosing() {
        var machine = Self.responding(keepAlive: false)
        _ = machine.requestEndReceived()
        _ = machine.responseHeadWritten(hasContentLength: true)
        _ = machine.responseEnded()
        machine.sendDeadlineArmed(unsent: 100)
        expect(machine.sendDeadlinePassed(unsent: 100), .cutOff)
    }
}
