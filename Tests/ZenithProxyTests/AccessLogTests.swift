import Testing

@testable import ZenithProxy

@Suite("access log")
struct AccessLogTests {
    @Test("secret-looking query values are masked, others kept")
    func masking() {
        #expect(AccessLog.maskingSecrets(in: "/a?page=2&token=abc&X_Auth=1&password=p&q") == "/a?page=2&token=***&X_Auth=***&password=***&q")
        #expect(AccessLog.maskingSecrets(in: "/plain") == "/plain")
        #expect(
            AccessLog.maskingSecrets(in: "/socket.io/?EIO=4&transport=polling&sid=AhUZ10SayaaOzzL4CEz_&side=l")
                == "/socket.io/?EIO=4&transport=polling&sid=***&side=l"
        )
    }

    @Test("the request path drops query and fragment and absolute-form authority")
    func requestPath() {
        #expect("/a/b?x=1".requestPath == "/a/b")
        #expect("http://host:80/a?x".requestPath == "/a")
        #expect("http://host".requestPath == "/")
    }
}
