import NIOHTTP1

extension HTTPHeaders {
    /// The client asked for JSON (an API or XHR call) rather than a page: error answers follow suit.
    var prefersJSONResponse: Bool {
        guard let accept = self.first(name: "accept") else { return false }
        return accept.contains("application/json") && !accept.contains("text/html")
    }
}
