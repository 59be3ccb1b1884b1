import NIOCore
import NIOHTTP1

/// Produces the response to one request whose head has been routed, and takes the rest of that
/// request (body parts, end) as it arrives.
///
/// Owned by `ClientConnectionHandler` from the moment the head is routed until the responder calls
/// `finishResponse` or the connection closes. Every call happens on the connection's event loop.
protocol RequestResponder: AnyObject {
    /// A part of the request body, already counted against the route's body limit.
    func requestBodyPart(_ buffer: ByteBuffer)
    /// The request is complete.
    func requestEnd(trailers: HTTPHeaders?)
    /// The client's socket became writable again after `isWritable` was false.
    func clientBecameWritable()
    /// The connection is going away (client closed, protocol error, limit): release what is held.
    func abort()
}
