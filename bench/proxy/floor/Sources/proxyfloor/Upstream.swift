import NIOCore
import NIOHTTP2
import NIOPosix

/// Where a backend response goes, part by part, as it is read.
protocol ResponseSink: AnyObject {
    func responseHead(stream: HTTP2StreamID, status: Int, contentLength: Int)
    func responseBody(stream: HTTP2StreamID, _ buffer: ByteBuffer)
    func responseEnd(stream: HTTP2StreamID)
}

/// A keep-alive HTTP/1.1 connection to the backend, carrying one request at a time. It reads
/// just enough of the response to forward it: the status code, Content-Length, and where the
/// head and the body end. The backend must answer with Content-Length, as bench/proxy's nginx
/// does for GET: this is a benchmark's floor, not a proxy.
final class BackendConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let pool: BackendPool
    private var context: ChannelHandlerContext?
    private var sink: ResponseSink?
    private var stream = HTTP2StreamID.rootStream
    /// Head bytes read so far, until the blank line.
    private var head: ByteBuffer?
    /// Body bytes still to come; nil while the head is read.
    private var bodyLeft: Int?
    /// A backend head longer than this closes the connection.
    private static let maximumHeadBytes = 16384
    private static let contentLengthLine: [UInt8] = Array("\ncontent-length:".utf8)

    init(pool: BackendPool) { self.pool = pool }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Sends a GET for `path` and hands the response to `sink`.
    func get(_ path: String, stream: HTTP2StreamID, sink: ResponseSink) {
        guard let context = self.context else { return }
        self.sink = sink
        self.stream = stream
        self.head = nil
        self.bodyLeft = nil
        var request = context.channel.allocator.buffer(capacity: 64 + path.utf8.count)
        request.writeString("GET ")
        request.writeString(path)
        request.writeString(" HTTP/1.1\r\nHost: backend\r\n\r\n")
        context.writeAndFlush(NIOAny(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.bodyLeft == nil {
            if self.head == nil { self.head = buffer } else { self.head!.writeBuffer(&buffer) }
            guard let (status, length, headBytes) = Self.parseHead(self.head!) else {
                if self.head!.readableBytes > Self.maximumHeadBytes { context.close(promise: nil) }
                return
            }
            buffer = self.head!
            buffer.moveReaderIndex(forwardBy: headBytes)
            self.head = nil
            self.bodyLeft = length
            self.sink?.responseHead(stream: self.stream, status: status, contentLength: length)
        }
        guard let left = self.bodyLeft, buffer.readableBytes > 0 || left == 0 else { return }
        let take = min(left, buffer.readableBytes)
        if take > 0, let slice = buffer.readSlice(length: take) {
            self.sink?.responseBody(stream: self.stream, slice)
        }
        self.bodyLeft = left - take
        if self.bodyLeft == 0 {
            let sink = self.sink
            self.sink = nil
            self.bodyLeft = nil
            self.pool.release(self)
            sink?.responseEnd(stream: self.stream)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.pool.forget(self)
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// The status, Content-Length and head size, once the head is whole.
    private static func parseHead(_ buffer: ByteBuffer) -> (Int, Int, Int)? {
        buffer.withUnsafeReadableBytes { bytes -> (Int, Int, Int)? in
            guard bytes.count >= 16 else { return nil }
            var end = -1
            var i = 3
            while i < bytes.count {
                if bytes[i] == 10, bytes[i - 1] == 13, bytes[i - 2] == 10, bytes[i - 3] == 13 { end = i + 1; break }
                i += 1
            }
            guard end > 0 else { return nil }
            let status = Int(bytes[9] - 48) * 100 + Int(bytes[10] - 48) * 10 + Int(bytes[11] - 48)
            // "content-length:" at the start of a line, any case.
            let name = Self.contentLengthLine
            var length = 0
            var j = 0
            search: while j + name.count < end {
                var k = 0
                while k < name.count, bytes[j + k] | (bytes[j + k] >= 65 && bytes[j + k] <= 90 ? 0x20 : 0) == name[k] { k += 1 }
                if k == name.count {
                    var p = j + k
                    while bytes[p] == 32 { p += 1 }
                    while bytes[p] >= 48 && bytes[p] <= 57 { length = length * 10 + Int(bytes[p] - 48); p += 1 }
                    break search
                }
                j += 1
            }
            return (status, length, end)
        }
    }
}

/// The event loop's idle backend connections; a request takes one or opens a new one. Only a
/// new connection costs a callback, as in Zenith's `UpstreamPool`.
final class BackendPool {
    private let host: String
    private let port: Int
    private let eventLoop: EventLoop
    private var idle: [BackendConnection] = []

    init(host: String, port: Int, eventLoop: EventLoop) {
        self.host = host
        self.port = port
        self.eventLoop = eventLoop
    }

    /// Calls `body` with a new connection once it is connected.
    private func connect(_ body: @escaping (BackendConnection) -> Void) {
        let connection = BackendConnection(pool: self)
        ClientBootstrap(group: self.eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.pipeline.addHandler(connection) }
            .connect(host: self.host, port: self.port)
            .whenSuccess { _ in body(connection) }
    }

    /// Sends a GET for `path` over an idle connection, or a new one.
    func get(_ path: String, stream: HTTP2StreamID, sink: ResponseSink) {
        if let connection = self.idle.popLast() {
            connection.get(path, stream: stream, sink: sink)
        } else {
            self.connect { connection in connection.get(path, stream: stream, sink: sink) }
        }
    }

    func release(_ connection: BackendConnection) { self.idle.append(connection) }

    func forget(_ connection: BackendConnection) { self.idle.removeAll { $0 === connection } }
}
