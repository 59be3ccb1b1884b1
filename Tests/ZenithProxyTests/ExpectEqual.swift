import Testing

/// `#expect(a == b)` for a value that a mutating call returns: the macro cannot take a mutating
/// call on a value itself, so the state machine tests pass the result through this.
func expect<Value: Equatable>(_ actual: Value, _ expected: Value, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual == expected, sourceLocation: sourceLocation)
}
