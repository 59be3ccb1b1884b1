import NIOCore
import Testing

@testable import ZenithProxy

@Suite("per-loop proxy metrics: counted on each loop, added up at scrape time")
struct ProxyMetricsTests {
    @Test("a response time on a bucket's bound counts in that bucket, as Prometheus's `le` says")
    func histogramBucketsAreInclusive() {
        var histogram = ResponseTimeHistogram()
        histogram.record(.milliseconds(5))
        histogram.record(.nanoseconds(5_000_001))
        histogram.record(.seconds(11))
        #expect(histogram.cumulativeCounts.first == 1)
        #expect(histogram.cumulativeCounts[1] == 2)
        #expect(histogram.cumulativeCounts.last == 2)  // 11 s is above every bound: only in +Inf
        #expect(histogram.count == 3)
        #expect(histogram.sumNanoseconds == 5_000_000 + 5_000_001 + 11_000_000_000)
    }

    @Test("two loops' snapshots add up series by series, each series kept apart")
    func snapshotsAddUp() {
        let first = ProxyMetrics()
        let second = ProxyMetrics()
        first.countRequest(route: nil, status: 200)
        first.countRequest(route: nil, status: 204)
        second.countRequest(route: nil, status: 200)
        second.countRequest(route: nil, status: 404)
        first.clientConnection("http/1.1").increment()
        second.clientConnection("http/1.1").increment()
        second.clientConnection("h2").increment()
        first.upstream(named: "horizon").open.increment()
        second.upstream(named: "horizon").open.increment()
        second.upstream(named: "horizon").idle.increment()
        first.upstream(named: "horizon").recordResponseTime(.milliseconds(3))
        second.upstream(named: "horizon").recordResponseTime(.milliseconds(30))

        let total = first.snapshot.adding(second.snapshot)

        #expect(total.requests == [.init(route: "none", status: "2xx"): 3, .init(route: "none", status: "4xx"): 1])
        #expect(total.clientConnections == ["http/1.1": 2, "h2": 1])
        let horizon = total.upstreams["horizon"]
        #expect(horizon?.open == 2)
        #expect(horizon?.idle == 1)
        #expect(horizon?.responseTimes.count == 2)
        #expect(horizon?.responseTimes.cumulativeCounts.prefix(4) == [1, 1, 1, 2])
    }

    @Test("a reload that forgets which series a line maps to keeps the counts already made")
    func routesChangedKeepsCounts() {
        let metrics = ProxyMetrics()
        metrics.countRequest(route: nil, status: 200)
        metrics.routesChanged()
        metrics.countRequest(route: nil, status: 200)
        #expect(metrics.snapshot.requests == [.init(route: "none", status: "2xx"): 2])
    }
}
