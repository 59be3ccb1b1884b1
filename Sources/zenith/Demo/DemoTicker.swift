import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import ZenithJSON
import ZenithRealtime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Publishes a `tick` event to every demo client each second, and the messages clients `say`.
final class DemoTicker: Sendable {
    private struct State {
        var engine: RealtimeEngine?
        var task: RepeatedTask?
        var count = 0
    }

    private let state = NIOLockedValueBox(State())

    func start(engine: RealtimeEngine, on eventLoop: EventLoop) {
        let task = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            self.publish(message: "tick")
        }
        self.state.withLockedValue {
            $0.engine = engine
            $0.task = task
        }
    }

    func stop() {
        self.state.withLockedValue { $0.task?.cancel() }
    }

    /// Sends a `tick` with `message` to every client; false before the ticker started.
    @discardableResult
    func publish(message: String) -> Bool {
        let (engine, count) = self.state.withLockedValue { state -> (RealtimeEngine?, Int) in
            state.count += 1
            return (state.engine, state.count)
        }
        guard let engine else { return false }
        let payload: JSONValue = .object([
            "n": .int(Int64(count)),
            "time": .string(Date().ISO8601Format()),
            "message": .string(message),
        ])
        _ = engine.publish(SocketIOBroadcast(to: .namespace, event: "tick", arguments: [payload]))
        return true
    }
}

/// The demo's namespace: anyone may connect; `say` broadcasts a message as a `tick`; room
/// subscriptions work as for any anonymous client.
struct DemoNamespace: SocketIONamespaceHandler {
    let ticker: DemoTicker
    private let rooms = RoomSubscriptionHandler()

    init(ticker: DemoTicker) {
        self.ticker = ticker
    }

    func authorize(_ socket: SocketIOSocket, auth: JSONValue?) -> EventLoopFuture<JSONObject?> {
        socket.eventLoop.makeSucceededFuture(nil)
    }

    func connected(_ socket: SocketIOSocket) {}

    func received(_ socket: SocketIOSocket, event: String, arguments: [JSONValue], ack: SocketIOAcknowledgement?) {
        guard event == "say" else {
            self.rooms.received(socket, event: event, arguments: arguments, ack: ack)
            return
        }
        guard case .string(let text)? = arguments.first?["text"], !text.isEmpty, text.utf8.count <= 500 else {
            ack?.send([.object(["ok": .bool(false), "error": .string("text must be 1 to 500 bytes")])])
            return
        }
        self.ticker.publish(message: text)
        ack?.send([.object(["ok": .bool(true)])])
    }

    func disconnected(_ socket: SocketIOSocket, reason: String) {}
}
