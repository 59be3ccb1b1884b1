import NIOHTTP1

extension HTTPHeaders {
    /// The headers of a request Zenith makes to the dashboard on a user's behalf: the configured
    /// fixed headers (in name order, so requests are alike), the user's session cookies, and
    /// `Accept: application/json`.
    init(dashboardRequestWith fixed: [String: String], cookies: String) {
        self.init()
        for (name, value) in fixed.sorted(by: { $0.key < $1.key }) {
            self.add(name: name, value: value)
        }
        self.add(name: "cookie", value: cookies)
        self.add(name: "accept", value: "application/json")
    }
}
