import NIOCore
import NIOHTTP1

/// Produces the response to one request whose head has been routed, and takes the rest of that
/// request (body parts, end) as it arrives.
///
/// Owned by the client's connection from the moment the head is routed until the responder calls
/// `finishResponse` on its `ResponderContext` or the connection closes. Every call happens on the
/// connection's event loop.
///
/// A responder may hold its `ResponderContext` strongly: the connection drops the responder
/// when the response ends or the connection closes, which breaks the cycle. (`unowned` would cost
/// an atomic unowned-retain on every use of the handler, several per request.)
protocol RequestResponder: AnyObject {
    /// Does the responder's work once it owns the connection (not in its initializer, so that the
    /// connection's state already names it when it writes).
    func start()
    /// A part of the request body, already counted against the route's body limit.
    func requestBodyPart(_ buffer: ByteBuffer)
    /// The request is complete.
    func requestEnd(trailers: HTTPHeaders?)
    /// The client's socket became writable again after `isWritable` was false.
    func clientBecameWritable()
    /// The connection is going away (client closed, protocol error, limit): release what is held.
    func abort()
    /// A batch of reads from the client ended (for flushing writes towards an upstream once per batch).
    func clientReadComplete()
}

extension RequestResponder {
    func start() {}
    func clientReadComplete() {}
}
