#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import ZenithConfig

/// Serves a file of a `static` route: GET and HEAD, ETag and Last-Modified with their conditional
/// requests, single byte ranges, Content-Type by extension, Cache-Control from `max_age`.
/// Regular files only: no directory listings, no symlinks followed, no path leaving the directory.
/// On a plain HTTP/1.1 connection the body is sent as a file region (sendfile), so it never
/// passes through user memory; over TLS (HTTP/1.1 or HTTP/2) it is read in chunks, each read when
/// the client has taken the one before.
final class StaticFileResponder: RequestResponder {
    private let client: any ResponderContext
    private let directory: String
    private let route: Route
    private let head: HTTPRequestHead
    private let path: Substring
    private let answerBeforeBody: Bool
    private var aborted = false
    private var started = false

    init(
        client: any ResponderContext, directory: String, route: Route, head: HTTPRequestHead, path: Substring,
        answerBeforeBody: Bool
    ) {
        self.client = client
        self.directory = directory
        self.route = route
        self.head = head
        self.path = path
        self.answerBeforeBody = answerBeforeBody
    }

    func start() {
        if self.answerBeforeBody { self.serve() }
    }

    func requestBodyPart(_ buffer: ByteBuffer) {}

    func requestEnd(trailers: HTTPHeaders?) {
        if !self.answerBeforeBody { self.serve() }
    }

    func clientBecameWritable() {}

    func abort() {
        self.aborted = true
    }

    private func serve() {
        guard !self.started else { return }
        self.started = true
        guard self.head.method == .GET || self.head.method == .HEAD else {
            var headers = HTTPHeaders()
            headers.add(name: "allow", value: "GET, HEAD")
            headers.add(name: "content-length", value: "0")
            self.answer(HTTPResponseHead(version: .http1_1, status: .methodNotAllowed, headers: headers))
            return
        }
        guard
            let file = StaticFilePath.resolve(
                directory: self.directory, routePrefix: self.route.pathPrefix, requestPath: self.path
            )
        else {
            self.answerError(.notFound)
            return
        }
        let fileIO = self.client.loop.fileIO
        let eventLoop = self.client.eventLoop
        fileIO.lstat(path: file, eventLoop: eventLoop).flatMap { info -> EventLoopFuture<(NIOFileHandle, FileRegion, stat)> in
            guard info.st_mode & S_IFMT == S_IFREG else {
                return eventLoop.makeFailedFuture(IOError(errnoCode: ENOENT, reason: "not a regular file"))
            }
            return fileIO.openFile(_deprecatedPath: file, eventLoop: eventLoop).map { ($0.0, $0.1, info) }
        }.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let (handle, region, info)):
                guard !self.aborted else {
                    try? handle.close()
                    return
                }
                self.send(handle: handle, region: region, info: info, file: file)
            case .failure:
                guard !self.aborted else { return }
                self.answerError(.notFound)
            }
        }
    }

    private func send(handle: NIOFileHandle, region: FileRegion, info: stat, file: String) {
        let size = Int64(region.readableBytes)
        let modified = Int(info.st_mtim.tv_sec)
        let etag = "\"" + String(modified, radix: 16) + "-" + String(size, radix: 16) + "\""
        let lastModified = HTTPDate.format(secondsSince1970: modified)

        var headers = HTTPHeaders()
        headers.add(name: "etag", value: etag)
        headers.add(name: "last-modified", value: lastModified)
        headers.add(name: "accept-ranges", value: "bytes")
        if let maxAge = self.route.options.maxAge {
            headers.add(name: "cache-control", value: "max-age=\(maxAge.components.seconds)")
        }

        if self.notModified(etag: etag, lastModified: lastModified) {
            try? handle.close()
            self.answer(HTTPResponseHead(version: .http1_1, status: .notModified, headers: headers))
            return
        }
        headers.add(name: "content-type", value: MediaTypes.forPath(file))

        var range = ByteRange(header: self.head.headers.first(name: "range"), size: size)
        if let ifRange = self.head.headers.first(name: "if-range"), ifRange != etag, ifRange != lastModified {
            range = .whole
        }
        var status = HTTPResponseStatus.ok
        var body = region
        switch range {
        case .whole:
            headers.add(name: "content-length", value: String(size))
        case .partial(let first, let last):
            status = .partialContent
            headers.add(name: "content-range", value: "bytes \(first)-\(last)/\(size)")
            headers.add(name: "content-length", value: String(last - first + 1))
            body = FileRegion(fileHandle: handle, readerIndex: Int(first), endIndex: Int(last) + 1)
        case .unsatisfiable:
            try? handle.close()
            headers.replaceOrAdd(name: "content-type", value: "text/plain; charset=utf-8")
            headers.add(name: "content-range", value: "bytes */\(size)")
            headers.add(name: "content-length", value: "0")
            self.answer(HTTPResponseHead(version: .http1_1, status: .rangeNotSatisfiable, headers: headers))
            return
        }

        self.client.sendHead(HTTPResponseHead(version: .http1_1, status: status, headers: headers))
        if self.head.method == .HEAD || body.readableBytes == 0 {
            try? handle.close()
        } else if self.client.sendsFileRegions {
            let promise = self.client.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in try? handle.close() }
            self.client.sendBody(.fileRegion(body), promise: promise)
        } else {
            self.sendChunks(of: body, handle: handle)
            return
        }
        self.client.finishResponse()
    }

    /// Sends the region's bytes read into buffers, for a connection whose bytes are encrypted:
    /// one chunk at a time, the next read once the last has been written, then ends the response.
    private func sendChunks(of region: FileRegion, handle: NIOFileHandle) {
        let eventLoop = self.client.eventLoop
        let responder = NIOLoopBound(self, eventLoop: eventLoop)
        self.client.loop.fileIO.readChunked(fileRegion: region, allocator: self.client.allocator, eventLoop: eventLoop) {
            chunk in
            let responder = responder.value
            guard !responder.aborted else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            let written = eventLoop.makePromise(of: Void.self)
            responder.client.sendBody(.byteBuffer(chunk), promise: written)
            responder.client.flush()
            return written.futureResult
        }.assumeIsolated().whenComplete { result in
            try? handle.close()
            guard !self.aborted else { return }
            switch result {
            case .success: self.client.finishResponse()
            case .failure: self.client.failRequest(status: .internalServerError)
            }
        }
    }

    private func notModified(etag: String, lastModified: String) -> Bool {
        if let candidates = self.head.headers.first(name: "if-none-match") {
            return candidates.split(separator: ",").contains { candidate in
                let tag = candidate.trimmingHTTPWhitespace()
                return tag == "*" || tag == etag || (tag.hasPrefix("W/") && tag.dropFirst(2) == etag)
            }
        }
        if let since = self.head.headers.first(name: "if-modified-since") {
            return since == lastModified
        }
        return false
    }

    private func answer(_ head: HTTPResponseHead) {
        self.client.sendHead(head)
        self.client.finishResponse()
    }

    private func answerError(_ status: HTTPResponseStatus) {
        let page = ErrorPage(status: status, prefersJSON: self.client.summary?.prefersJSON ?? false)
        self.client.sendHead(page.head(version: .http1_1))
        if self.head.method != .HEAD {
            self.client.sendBody(.byteBuffer(page.body))
        }
        self.client.finishResponse()
    }
}
