import NIOCore
import Testing

@testable import EngineIO

@Suite("Engine.IO session state machine")
struct EngineIOSessionStateMachineTests {
    // MARK: Polling

    @Test("a poll takes the frames queued before it at once")
    func pollTakesQueuedFrames() {
        var machine = SessionMachine.polling()
        #expect(machine.send(message: "a").testDescription == "none")
        #expect(machine.send(message: "b").testDescription == "none")
        #expect(machine.pollArrived("p1").testDescription == "answer p1 [4a,4b]")
        #expect(machine.heldPoll == nil)
    }

    @Test("a poll with nothing queued is held until a frame is sent")
    func pollIsHeldUntilAFrame() {
        var machine = SessionMachine.polling()
        #expect(machine.pollArrived("p1").testDescription == "hold p1")
        #expect(machine.heldPoll == "p1")
        #expect(machine.send(message: "a").testDescription == "answer p1 [4a]")
        #expect(machine.heldPoll == nil)
        #expect(machine.pollArrived("p2").testDescription == "hold p2")
    }

    @Test("a poll's answer stops before maxPayload bytes; the rest waits for the next poll")
    func pollAnswerIsBoundedByMaxPayload() {
        var machine = SessionMachine.polling(maxPayload: 10)
        _ = machine.send(message: "aaaa")
        _ = machine.send(message: "bbbb")
        _ = machine.send(message: "cccc")
        #expect(machine.pollArrived("p1").testDescription == "answer p1 [4aaaa]")
        #expect(machine.pollArrived("p2").testDescription == "answer p2 [4bbbb]")
        #expect(machine.pollArrived("p3").testDescription == "answer p3 [4cccc]")
    }

    @Test("a second GET while one is held closes the session: the held one gets a close packet, the new one 400")
    func overlappingPollClosesTheSession() {
        var machine = SessionMachine.polling()
        _ = machine.pollArrived("p1")
        #expect(machine.pollArrived("p2").testDescription == "close overlapping poll; answer p1 [1]; answer p2 400")
        #expect(machine.isClosed)
    }

    @Test("a held GET whose connection closes ends the session and is answered 400")
    func heldPollConnectionClosedEndsTheSession() {
        var machine = SessionMachine.polling()
        _ = machine.pollArrived("p1")
        #expect(machine.heldPollConnectionClosed().testDescription == "close poll connection closed prematurely; answer p1 400")
        #expect(machine.isClosed)
    }

    @Test("a POSTed close packet ends a polling session; a held GET gets a noop, not a close packet")
    func postedCloseEndsWithANoop() {
        var machine = SessionMachine.polling()
        _ = machine.pollArrived("p1")
        #expect(machine.packetPosted(.close).testDescription == "close transport close; answer p1 [6]")
    }

    @Test("messages from the client are delivered; ping, noop and stray upgrade packets are ignored")
    func messagesAreDelivered() {
        var machine = SessionMachine.polling()
        #expect(machine.packetPosted(.message("2[\"hi\"]")).testDescription == "deliver 2[\"hi\"]")
        #expect(machine.packetPosted(.binaryMessage(ByteBuffer(bytes: [1, 2]))).testDescription == "deliver <2 bytes>")
        for packet in [EngineIOPacket.ping(""), .noop, .upgrade, .open("")] {
            #expect(machine.packetPosted(packet).testDescription == "none")
        }
    }

    // MARK: Closing

    @Test("server close answers a held GET with a close packet")
    func serverCloseWhilePollIsHeld() {
        var machine = SessionMachine.polling()
        _ = machine.pollArrived("p1")
        #expect(machine.close(reason: "server close", notifyClient: true).testDescription == "close server close; answer p1 [1]")
    }

    @Test("drop answers a held GET with a noop, so that the client's next poll finds no session and it reconnects")
    func dropWhilePollIsHeld() {
        var machine = SessionMachine.polling()
        _ = machine.pollArrived("p1")
        #expect(machine.close(reason: "server shutting down", notifyClient: false).testDescription == "close server shutting down; answer p1 [6]")
    }

    @Test("server close over a WebSocket sends a close packet; drop closes it without one")
    func serverCloseVersusDropOverWebSocket() {
        let webSocket = FakeWebSocket("ws")
        var closed = SessionMachine.over(webSocket)
        #expect(closed.close(reason: "server close", notifyClient: true).testDescription == "close server close; close packet on ws")
        var dropped = SessionMachine.over(webSocket)
        #expect(dropped.close(reason: "drain", notifyClient: false).testDescription == "close drain; close ws")
    }

    @Test("a closed session ignores every event and drops what it was asked to send")
    func closedSessionIgnoresEvents() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        _ = machine.close(reason: "server close", notifyClient: true)
        #expect(machine.send(message: "late").testDescription == "none")
        #expect(machine.close(reason: "again", notifyClient: true).testDescription == "none")
        #expect(machine.pingDue().testDescription == "none")
        #expect(machine.pongTimedOut().testDescription == "none")
        #expect(machine.webSocket(webSocket, received: .message("x")).testDescription == "none")
        #expect(machine.webSocketClosed(webSocket).testDescription == "none")
        #expect(machine.popQueuedFrame() == nil)
        #expect(machine.isOnWebSocket)
    }

    // MARK: Upgrade

    @Test("a probe answering 2probe while a GET is held: 3probe, and the GET ends with a noop")
    func probeAnsweredWhilePollIsHeld() {
        var machine = SessionMachine.polling()
        let probe = FakeWebSocket("probe")
        _ = machine.pollArrived("p1")
        #expect(machine.probeOpened(probe).testDescription == "start probe probe")
        #expect(machine.webSocket(probe, received: .ping("probe")).testDescription == "3probe on probe; answer p1 [6]")
        #expect(machine.heldPoll == nil)
    }

    @Test("once the probe has answered, a GET is answered at once: a noop, or the frames queued")
    func pollDuringUpgradeIsNotHeld() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: true)
        #expect(machine.pollArrived("p1").testDescription == "answer p1 [6]")
        _ = machine.send(message: "a")
        #expect(machine.pollArrived("p2").testDescription == "answer p2 [4a]")
    }

    @Test("the upgrade packet moves the session to the WebSocket; frames queued during the upgrade go out on it")
    func upgradeFlushesQueuedFramesToTheWebSocket() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: true)
        _ = machine.send(message: "a")
        _ = machine.send(message: "b")
        #expect(machine.webSocket(probe, received: .upgrade).testDescription == "upgrade to probe")
        #expect(machine.isOnWebSocket)
        #expect(machine.webSocket === probe)
        #expect(machine.popQueuedFrame()?.testDescription == "4a")
        #expect(machine.popQueuedFrame()?.testDescription == "4b")
        #expect(machine.send(message: "c").testDescription == "write 4c to probe")
        #expect(machine.pollArrived("p1").testDescription == "answer p1 400")
    }

    @Test("an upgrade packet racing a held GET ends the GET with a noop")
    func upgradeWhilePollIsHeld() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: false)
        _ = machine.pollArrived("p1")
        #expect(machine.webSocket(probe, received: .upgrade).testDescription == "upgrade to probe; answer p1 [6]")
    }

    @Test("a ping timeout during an upgrade ends the session and closes the probe")
    func pingTimeoutDuringUpgrade() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: false)
        _ = machine.pollArrived("p1")
        #expect(machine.pingDue().testDescription == "arm pong timer, answer p1 [2]")
        _ = machine.pollArrived("p2")
        #expect(machine.pongTimedOut().testDescription == "close ping timeout; answer p2 [1]; close probe probe")
        #expect(machine.webSocket(probe, received: .upgrade).testDescription == "none")
    }

    @Test("the upgrade timeout abandons the probe; polls are held again")
    func upgradeTimeoutAbandonsTheProbe() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: true)
        #expect(machine.upgradeTimedOut().testDescription == "abandon probe probe")
        #expect(machine.pollArrived("p1").testDescription == "hold p1")
        #expect(machine.webSocket(probe, received: .upgrade).testDescription == "none")
        #expect(!machine.isOnWebSocket)
    }

    @Test("a probe that sends anything but 2probe or 5 is abandoned")
    func probeSendingSomethingElseIsAbandoned() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: false)
        #expect(machine.webSocket(probe, received: .message("early")).testDescription == "abandon probe probe")
        #expect(machine.probeOpened(FakeWebSocket("second")).testDescription == "start probe second")
    }

    @Test("a second WebSocket while a probe is under way is closed")
    func secondProbeIsRefused() {
        var machine = SessionMachine.polling()
        _ = machine.probeOpened(FakeWebSocket("probe"))
        #expect(machine.probeOpened(FakeWebSocket("second")).testDescription == "close second")
    }

    @Test("a probe that closes by itself only ends the probe; a failing probe is closed but stays the probe until then")
    func probeClosingLeavesTheSession() {
        let probe = FakeWebSocket("probe")
        var machine = SessionMachine.probing(with: probe, answered: false)
        #expect(machine.webSocketFailed(probe, reason: "parse error").testDescription == "close probe")
        #expect(machine.probeOpened(FakeWebSocket("second")).testDescription == "close second")
        #expect(machine.webSocketClosed(probe).testDescription == "probe ended")
        #expect(!machine.isClosed)
        #expect(machine.probeOpened(FakeWebSocket("third")).testDescription == "start probe third")
    }

    // MARK: WebSocket delivery

    @Test("a frame goes straight to a writable WebSocket with nothing queued")
    func directWriteToWritableWebSocket() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        #expect(machine.webSocketReadyToWrite() === webSocket)
        #expect(machine.send(message: "a").testDescription == "write 4a to ws")
    }

    @Test("frames wait while the WebSocket is not writable and are flushed when it is again")
    func framesWaitForWritability() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        webSocket.isWritable = false
        #expect(machine.webSocketReadyToWrite() == nil)
        #expect(machine.send(message: "a").testDescription == "none")
        webSocket.isWritable = true
        // Writable again but frames are queued: the new frame goes behind them, in order.
        #expect(machine.send(message: "b").testDescription == "flush queue to ws")
        #expect(machine.webSocketBecameWritable(webSocket).testDescription == "flush queue to ws")
        #expect(machine.popQueuedFrame()?.testDescription == "4a")
        #expect(machine.popQueuedFrame()?.testDescription == "4b")
        #expect(machine.webSocketBecameWritable(webSocket).testDescription == "none")
    }

    @Test("a slow consumer: the frame beyond maxQueuedPackets ends the session with a close packet")
    func slowConsumerIsDropped() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket, maxQueuedFrames: 2)
        webSocket.isWritable = false
        _ = machine.send(message: "a")
        _ = machine.send(message: "b")
        #expect(machine.send(message: "c").testDescription == "slow consumer: close slow consumer; close packet on ws")
        #expect(machine.popQueuedFrame() == nil)
    }

    @Test("a polling client that does not poll is a slow consumer too")
    func slowPollingConsumerIsDropped() {
        var machine = SessionMachine.polling(maxQueuedFrames: 1)
        _ = machine.send(message: "a")
        #expect(machine.send(message: "b").testDescription == "slow consumer: close slow consumer")
    }

    @Test("a close packet over the WebSocket is answered with a close packet")
    func closePacketOverWebSocket() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        #expect(machine.webSocket(webSocket, received: .close).testDescription == "close transport close; close packet on ws")
    }

    @Test("the session's WebSocket closing or failing ends the session; another WebSocket's does not")
    func webSocketClosingEndsTheSession() {
        let webSocket = FakeWebSocket("ws")
        let other = FakeWebSocket("other")
        var machine = SessionMachine.over(webSocket)
        #expect(machine.webSocketClosed(other).testDescription == "none")
        #expect(machine.webSocketFailed(other, reason: "parse error").testDescription == "close other")
        #expect(machine.webSocket(other, received: .message("x")).testDescription == "none")
        #expect(machine.webSocketFailed(webSocket, reason: "parse error").testDescription == "close parse error; close packet on ws")
        var closing = SessionMachine.over(webSocket)
        #expect(closing.webSocketClosed(webSocket).testDescription == "close transport close; close packet on ws")
    }

    // MARK: Heartbeat

    @Test("a due ping is sent and arms the pong timer; the pong arms the ping timer again")
    func pingAndPong() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        #expect(machine.pingDue().testDescription == "arm pong timer, write 2 to ws")
        #expect(machine.webSocket(webSocket, received: .pong("")).testDescription == "ping answered")
        #expect(machine.pongTimedOut().testDescription == "none")
        #expect(machine.pingDue().testDescription == "arm pong timer, write 2 to ws")
    }

    @Test("a pong nobody asked for is ignored")
    func unsolicitedPongIsIgnored() {
        var machine = SessionMachine.polling()
        #expect(machine.packetPosted(.pong("")).testDescription == "none")
    }

    @Test("no pong within pingTimeout ends the session with a close packet")
    func pingTimeout() {
        let webSocket = FakeWebSocket("ws")
        var machine = SessionMachine.over(webSocket)
        _ = machine.pingDue()
        #expect(machine.pongTimedOut().testDescription == "close ping timeout; close packet on ws")
    }

    @Test("a ping that overflows the queue drops the slow consumer")
    func pingOverflowingTheQueue() {
        var machine = SessionMachine.polling(maxQueuedFrames: 1)
        _ = machine.send(message: "a")
        #expect(machine.pingDue().testDescription == "arm pong timer, slow consumer: close slow consumer")
    }
}
