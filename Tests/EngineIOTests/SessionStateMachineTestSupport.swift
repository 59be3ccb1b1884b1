import NIOCore

@testable import EngineIO

/// A WebSocket for the state machine's tests: a name to tell it apart and a writability to set.
final class FakeWebSocket: EngineIOSessionWebSocket, CustomStringConvertible {
    let description: String
    var isWritable = true

    init(_ name: String) {
        self.description = name
    }
}

/// The machine under test: polls are named by strings.
typealias SessionMachine = EngineIOSessionStateMachine<FakeWebSocket, String>

extension SessionMachine {
    /// A polling session with small limits (4 queued frames, 20-byte poll answers), so that the
    /// limits are reached in a few steps.
    static func polling(maxQueuedFrames: Int = 4, maxPayload: Int = 20) -> SessionMachine {
        SessionMachine(webSocket: nil, maxQueuedFrames: maxQueuedFrames, maxPayload: maxPayload)
    }

    /// A session over `webSocket` from its start, with the same small limits.
    static func over(_ webSocket: FakeWebSocket, maxQueuedFrames: Int = 4) -> SessionMachine {
        SessionMachine(webSocket: webSocket, maxQueuedFrames: maxQueuedFrames, maxPayload: 20)
    }

    /// A polling session whose WebSocket `probe` is open and, when `answered`, has answered `2probe`.
    static func probing(with probe: FakeWebSocket, answered: Bool) -> SessionMachine {
        var machine = SessionMachine.polling()
        _ = machine.probeOpened(probe)
        if answered { _ = machine.webSocket(probe, received: .ping("probe")) }
        return machine
    }

    /// Sends a `4<text>` message frame.
    mutating func send(message text: String) -> Output {
        self.send(.message(text))
    }
}

// Actions rendered as short text, so that a test states the expected action in one line.

extension EngineIOFrame {
    var testDescription: String {
        switch self {
        case .text(let buffer): String(buffer: buffer)
        case .binary(let buffer): "<\(buffer.readableBytes) bytes>"
        }
    }
}

extension SessionMachine.PollAnswer {
    var testDescription: String {
        switch self {
        case .frames(let frames): "[" + frames.map(\.testDescription).joined(separator: ",") + "]"
        case .badRequest: "400"
        }
    }
}

extension SessionMachine.Closing {
    /// `close <reason>` and what happens to the transports, e.g.
    /// `close ping timeout; answer p1 [1]; close probe ws`.
    var testDescription: String {
        var parts = ["close \(self.reason)"]
        switch self.transport {
        case .polling(let endingPoll):
            if let (poll, answer) = endingPoll { parts.append("answer \(poll) \(answer.testDescription)") }
        case .webSocket(let webSocket, let sendClosePacket):
            parts.append(sendClosePacket ? "close packet on \(webSocket)" : "close \(webSocket)")
        }
        if let probe = self.probe { parts.append("close probe \(probe)") }
        return parts.joined(separator: "; ")
    }
}

extension SessionMachine.Output {
    var testDescription: String {
        switch self {
        case .none: "none"
        case .write(let frame, let webSocket): "write \(frame.testDescription) to \(webSocket)"
        case .flushQueue(let webSocket): "flush queue to \(webSocket)"
        case .answerPoll(let poll, let answer): "answer \(poll) \(answer.testDescription)"
        case .dropSlowConsumer(let closing): "slow consumer: " + closing.testDescription
        }
    }
}

extension SessionMachine.Action {
    var testDescription: String {
        switch self {
        case .none: "none"
        case .sendPing(let output): "arm pong timer, " + output.testDescription
        case .pingAnswered: "ping answered"
        case .answerPoll(let poll, let answer): "answer \(poll) \(answer.testDescription)"
        case .holdPoll(let poll): "hold \(poll)"
        case .refusePollAndClose(let poll, let closing): closing.testDescription + "; answer \(poll) 400"
        case .deliverText(let text): "deliver \(text)"
        case .deliverBinary(let data): "deliver <\(data.readableBytes) bytes>"
        case .startProbe(let webSocket): "start probe \(webSocket)"
        case .answerProbe(let webSocket, let poll): "3probe on \(webSocket)" + (poll.map { "; answer \($0) [6]" } ?? "")
        case .upgrade(let webSocket, let poll): "upgrade to \(webSocket)" + (poll.map { "; answer \($0) [6]" } ?? "")
        case .abandonProbe(let webSocket): "abandon probe \(webSocket)"
        case .probeEnded: "probe ended"
        case .closeWebSocket(let webSocket): "close \(webSocket)"
        case .close(let closing): closing.testDescription
        }
    }
}
