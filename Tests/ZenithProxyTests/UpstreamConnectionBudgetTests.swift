import Testing

@testable import ZenithProxy

@Suite("upstream connection budget: clients cannot take the reserve")
struct UpstreamConnectionBudgetTests {
    @Test("the reserve is an eighth of the client limit, at least 2")
    func reserveSize() {
        #expect(UpstreamConnectionBudget(clientLimit: 1).reserve == 2)
        #expect(UpstreamConnectionBudget(clientLimit: 32).reserve == 4)
        #expect(UpstreamConnectionBudget(clientLimit: 32).limit == 36)
    }

    @Test("clients holding every client connection leave the reserve to Zenith's own requests")
    func clientsStopAtTheirLimit() {
        var budget = UpstreamConnectionBudget(clientLimit: 4)
        for _ in 0..<4 {
            #expect(budget.mayOpen(for: .client))
            budget.opening(for: .client)
        }
        #expect(!budget.mayOpen(for: .client))
        #expect(!budget.mayLease(for: .client))
        for _ in 0..<2 {
            #expect(budget.mayOpen(for: .zenith))
            budget.opening(for: .zenith)
        }
        #expect(!budget.mayOpen(for: .zenith))
        #expect(budget.mayLease(for: .zenith))
    }

    @Test("an idle connection Zenith opened is not a way past the client limit")
    func idleReserveConnectionsStayOutOfReach() {
        var budget = UpstreamConnectionBudget(clientLimit: 2)
        budget.opening(for: .client)
        budget.opening(for: .client)
        budget.opening(for: .zenith)
        budget.returned(from: .zenith)  // idle now
        #expect(!budget.mayLease(for: .client))
        #expect(budget.mayLease(for: .zenith))
        budget.returned(from: .client)  // a client's exchange ended, its connection idle
        #expect(budget.mayLease(for: .client))
        budget.leased(for: .client)
        #expect(!budget.mayOpen(for: .client))
        #expect(budget.mayOpen(for: .zenith), "one of the four is still the reserve's")
    }
}
