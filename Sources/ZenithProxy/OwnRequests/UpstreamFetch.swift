import NIOCore
import NIOHTTP1

/// One request of `UpstreamClient`: leases a pooled connection, sends the head, collects the
/// response up to a byte limit, and gives the connection back. Like a proxied request, it is
/// retried once on a new connection when the backend closed its connection before answering
/// (`UpstreamRetryRule`).
final class UpstreamFetch: UpstreamConnectionDelegate {
    private let pool: UpstreamPool
    private let request: UpstreamClient.Request
    private let timeout: Duration
    private let maxResponseBytes: Int
    private let promise: EventLoopPromise<UpstreamClient.Response>
    private var connection: UpstreamConnection?
    private var retryRule = UpstreamRetryRule()
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var finished = false

    init(
        pool: UpstreamPool, request: UpstreamClient.Request, timeout: Duration, maxResponseBytes: Int,
        promise: EventLoopPromise<UpstreamClient.Response>
    ) {
        self.pool = pool
        self.request = request
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.promise = promise
    }

    /// Kept alive by the lease callback, then by its connection (`delegate`) until it ends.
    func start() {
        if let connection = self.pool.leaseIdle(for: .zenith) {
            self.attach(connection)
        } else {
            self.leaseNew()
        }
    }

    private func leaseNew() {
        self.pool.leaseNew(for: .zenith) { result in
            switch result {
            case .success(let connection): self.attach(connection)
            case .failure: self.finish(.failure(UpstreamClient.Failure.unavailable))
            }
        }
    }

    private func attach(_ connection: UpstreamConnection) {
        guard !self.finished else {
            self.pool.release(connection, reusable: true)
            return
        }
        self.connection = connection
        connection.delegate = self
        var headers = self.request.headers
        if !headers.contains(name: "host") {
            headers.add(name: "host", value: self.pool.configuration.servers[connection.serverIndex].description)
        }
        let head = HTTPRequestHead(version: .http1_1, method: self.request.method, uri: self.request.uri, headers: headers)
        connection.sendHead(
            UpstreamRequestEncoder.head(head, allocator: connection.allocator), method: head.method, chunked: false
        )
        connection.flush()
        connection.responseDeadline?.arm(TimeAmount(self.timeout))
    }

    func upstreamResponsePart(_ part: HTTPClientResponsePart) {
        guard let connection = self.connection else { return }
        switch part {
        case .head(let head):
            self.head = head
        case .body(var buffer):
            guard self.body.readableBytes + buffer.readableBytes <= self.maxResponseBytes else {
                connection.close()
                self.finish(.failure(UpstreamClient.Failure.responseTooLarge))
                return
            }
            self.body.writeBuffer(&buffer)
        case .end:
            guard let head = self.head else { return }
            connection.responseDeadline?.disarm()
            self.connection = nil
            self.pool.release(connection, reusable: connection.responseKeepsAlive)
            self.finish(.success(UpstreamClient.Response(status: head.status, headers: head.headers, body: self.body)))
        }
    }

    func upstreamReadComplete() {}

    func upstreamBecameWritable() {}

    func upstreamClosed(error: Error?) {
        self.connection = nil
        if self.head == nil && !self.finished,
            self.retryRule.closedBeforeAnswer(method: self.request.method, bodyBytesSent: false, error: error)
        {
            self.leaseNew()
            return
        }
        self.finish(.failure(UpstreamClient.Failure.unavailable))
    }

    func upstreamTimedOut() {
        self.connection?.close()
        self.connection = nil
        self.finish(.failure(UpstreamClient.Failure.timedOut))
    }

    private func finish(_ result: Result<UpstreamClient.Response, Error>) {
        guard !self.finished else { return }
        self.finished = true
        self.promise.completeWith(result)
    }
}
