import Testing

@testable import ZenithProxy

@Suite("HTTP/2 stream flow control: writability from held bytes, window given back as the body is taken")
struct HTTP2StreamFlowControlTests {
    @Test("a stream stops being writable above the high watermark and is writable again at the low one")
    func writabilityHysteresis() {
        var flow = HTTP2StreamFlowControl(initialWindow: 65536)
        flow.wrote(HTTP2StreamFlowControl.highWatermark)
        #expect(flow.isWritable)
        flow.wrote(1)
        #expect(!flow.isWritable)
        flow.sent(HTTP2StreamFlowControl.highWatermark - HTTP2StreamFlowControl.lowWatermark)
        #expect(!flow.isWritable, "above the low watermark still")
        flow.sent(1)
        #expect(flow.isWritable)
        #expect(flow.heldBytes == HTTP2StreamFlowControl.lowWatermark)
    }

    @Test("bytes NIOHTTP2 sends at once never make the stream unwritable")
    func sentAtOnce() {
        var flow = HTTP2StreamFlowControl(initialWindow: 65536)
        flow.wrote(1 << 20)
        flow.sent(1 << 20)
        #expect(flow.isWritable)
        #expect(flow.heldBytes == 0)
    }

    @Test("window is given back in steps of at least half the initial window")
    func windowSteps() {
        var flow = HTTP2StreamFlowControl(initialWindow: 1000)
        flow.received(499)
        #expect(flow.windowIncrement() == nil)
        flow.received(1)
        #expect(flow.windowIncrement() == 500)
        #expect(flow.windowIncrement() == nil, "given back once")
        flow.received(1200)
        #expect(flow.windowIncrement() == 1200)
    }

    @Test("the connection window is topped up to its target once below half of it")
    func connectionWindow() {
        let window = HTTP2ConnectionWindow(target: 1 << 20)
        #expect(window.increment(forWindow: 65535) == (1 << 20) - 65535, "the first DATA raises the default window")
        #expect(window.increment(forWindow: 1 << 19) == nil)
        #expect(window.increment(forWindow: (1 << 19) - 1) == (1 << 19) + 1)
    }
}
