import Testing

@testable import ZenithProxy

@Suite("static file helpers")
struct StaticFilesTests {
    @Test("paths map below the directory after the route prefix")
    func mapping() {
        #expect(StaticFilePath.resolve(directory: "/srv/static", routePrefix: "/static/", requestPath: "/static/js/app.js") == "/srv/static/js/app.js")
        #expect(StaticFilePath.resolve(directory: "/srv/static/", routePrefix: "/static/", requestPath: "/static/a%20b.css") == "/srv/static/a b.css")
    }

    @Test("traversal, NUL and bad escapes are refused", arguments: [
        "/static/../etc/passwd", "/static/%2e%2e/etc/passwd", "/static/a/%2E%2E/%2e%2e/x", "/static/a%00b",
        "/static/%zz", "/static/./a", "/static/", "/static/%2e%2e%2fsecret",
    ])
    func refused(path: String) {
        #expect(StaticFilePath.resolve(directory: "/srv/static", routePrefix: "/static/", requestPath: path[...]) == nil)
    }

    @Test("byte ranges resolve against the size", arguments: [
        ("bytes=0-9", ByteRange.partial(first: 0, last: 9)),
        ("bytes=10-", .partial(first: 10, last: 99)),
        ("bytes=-5", .partial(first: 95, last: 99)),
        ("bytes=90-200", .partial(first: 90, last: 99)),
        ("bytes=100-", .unsatisfiable),
        ("bytes=5-1", .whole),
        ("bytes=0-1,5-6", .whole),
        ("items=0-1", .whole),
    ])
    func ranges(header: String, expected: ByteRange) {
        #expect(ByteRange(header: header, size: 100) == expected)
    }

    @Test("content types follow the extension")
    func mediaTypes() {
        #expect(MediaTypes.forPath("/a/b.CSS") == "text/css; charset=utf-8")
        #expect(MediaTypes.forPath("/a/b.woff2") == "font/woff2")
        #expect(MediaTypes.forPath("/a.b/c") == "application/octet-stream")
    }

    @Test("Last-Modified is an IMF-fixdate")
    func httpDate() {
        #expect(HTTPDate.format(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}
