/// Carries a loop-confined object to another event loop that will be its only user from then on
/// (a WebSocket transport given to its session's loop). A class rather than a struct: the value is
/// retained once, by the box, whatever the closures that capture it do.
final class LoopHandOver<Value: AnyObject>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
