/// A JSON object that keeps its members in order, so a parsed body serializes back to the same
/// text and encoded packets are deterministic.
///
/// Keys are unique: as with `JSON.parse`, a repeated key keeps its first position and its last
/// value. Lookup is linear, which is fastest for the small objects Socket.IO carries.
public struct JSONObject: Sendable, Hashable {
    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]

    /// An empty object.
    public init() {
        keys = []
        values = []
    }

    /// An object of `members` in order; a repeated key keeps its first position and last value.
    public init<Members: Sequence<(String, JSONValue)>>(_ members: Members) {
        self.init()
        for (key, value) in members { self[key] = value }
    }

    /// Builds from parallel arrays already known to hold unique keys (the parser's fast path, and
    /// Socket.IO's binary placeholders).
    package init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    /// The value of `key`; setting nil removes the member, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let index = keys.firstIndex(of: key) else { return nil }
            return values[index]
        }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }
}

extension JSONObject: RandomAccessCollection {
    public typealias Element = (key: String, value: JSONValue)

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
