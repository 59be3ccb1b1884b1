extension Duration {
    /// The duration in whole milliseconds (Redis's unit for expiries and stream ids).
    var wholeMilliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}
