import NIOConcurrencyHelpers

/// Hands broadcasts to a handler that is set after the relay was made (a cluster node's delivery
/// to this process's Socket.IO server, a watch registry's publish), from any thread.
///
/// The handler is kept in a class instance, never as a closure in a lock's generic storage: a
/// closure read out of `NIOLockedValueBox` through its `inout` accessor is re-abstracted and
/// written back, two more thunks around it on every read. Each broadcast then walked a longer
/// chain: a cluster node spent most of its CPU in those thunks after some thousands of
/// broadcasts from Redis, and would in time have overflowed its stack.
public final class BroadcastRelay: Sendable {
    private final class Handler: Sendable {
        let handle: @Sendable (SocketIOBroadcast) -> Void

        init(_ handle: @escaping @Sendable (SocketIOBroadcast) -> Void) {
            self.handle = handle
        }
    }

    private let handler = NIOLockedValueBox<Handler?>(nil)

    public init() {}

    /// Sends every broadcast from now on to `handle`.
    public func set(_ handle: @escaping @Sendable (SocketIOBroadcast) -> Void) {
        let handler = Handler(handle)
        self.handler.withLockedValue { $0 = handler }
    }

    /// Hands `broadcast` to the handler; false (and the broadcast dropped) while none is set.
    @discardableResult
    public func relay(_ broadcast: SocketIOBroadcast) -> Bool {
        guard let handler = self.handler.withLockedValue({ $0 }) else { return false }
        handler.handle(broadcast)
        return true
    }
}
