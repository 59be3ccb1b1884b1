import Testing
import ZenithCluster

@Suite struct ClusterNamesTests {
    @Test func everyNameStartsWithThePrefix() {
        let names = ClusterNames(prefix: "zen")
        #expect(names.broadcastChannel == "zen:broadcast")
        #expect(names.membershipChannel == "zen:nodes")
        #expect(names.leaseKey(scope: "servers/p1") == "zen:lease:servers/p1")
        #expect(names.snapshotKey(scope: "servers/p1") == "zen:snapshot:servers/p1")
    }
}
