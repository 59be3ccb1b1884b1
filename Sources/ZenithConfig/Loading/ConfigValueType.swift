import TOMLKit

/// What a config value that is not of the expected type was instead, worded to follow "found ":
/// `"3x"`, `a boolean`; for an array, the first element at fault.
struct ConfigValueMismatch: Error {
    var found: String
}

/// How one config key's TOML value becomes a model value, and what it should look like when it
/// does not (the "expected ..." half of the error message).
struct ConfigValueType<Value> {
    /// Completes "expected ...": `a duration such as "30s"`.
    let expectation: String
    let convert: (TOMLValueConvertible) -> Result<Value, ConfigValueMismatch>

    /// A value of this type turned into another by `transform`, which may refuse it (nil).
    func map<Other>(_ expectation: String, _ transform: @escaping (Value) -> Other?) -> ConfigValueType<Other> {
        let convert = self.convert
        return ConfigValueType<Other>(expectation: expectation) { value in
            convert(value).flatMap { transform($0).map(Result.success) ?? .failure(ConfigValueMismatch(found: value.messageText)) }
        }
    }
}

extension ConfigValueType where Value == String {
    static var string: Self {
        Self(expectation: "a string") { $0.string.map(Result.success) ?? .failure(ConfigValueMismatch(found: $0.messageText)) }
    }

    /// One of a fixed set of words, such as a log level.
    static func oneOf(_ words: [String]) -> Self {
        string.map("one of \(words.joined(separator: ", "))") { words.contains($0) ? $0 : nil }
    }
}

extension ConfigValueType where Value == Bool {
    static var bool: Self {
        Self(expectation: "true or false") { $0.bool.map(Result.success) ?? .failure(ConfigValueMismatch(found: $0.messageText)) }
    }
}

extension ConfigValueType where Value == Int {
    static func integer(_ range: ClosedRange<Int>) -> Self {
        Self(expectation: "an integer from \(range.lowerBound) to \(range.upperBound)") { value in
            guard let int = value.int, range.contains(int) else { return .failure(ConfigValueMismatch(found: value.messageText)) }
            return .success(int)
        }
    }
}

extension ConfigValueType where Value == Int64 {
    /// An integer number of bytes, or a string with a unit (`"100MiB"`), within `range` if given.
    static func size(_ range: ClosedRange<Int64>? = nil) -> Self {
        let bounds = range.map { "from \(SizeParser.format($0.lowerBound)) to \(SizeParser.format($0.upperBound)), " } ?? ""
        return Self(expectation: "a size \(bounds)as bytes or a string such as \"64KiB\"") { value in
            let bytes = value.int.map(Int64.init) ?? value.string.flatMap(SizeParser.parse)
            guard let bytes, bytes >= 0, range?.contains(bytes) ?? true else {
                return .failure(ConfigValueMismatch(found: value.messageText))
            }
            return .success(bytes)
        }
    }
}

extension ConfigValueType where Value == Duration {
    /// A positive duration: a string such as `"30s"` (see `DurationParser`) or an integer of seconds.
    static var positiveDuration: Self {
        Self(expectation: "a duration greater than zero, such as \"30s\"") { value in
            let duration = value.int.map { Duration.seconds($0) } ?? value.string.flatMap(DurationParser.parse)
            guard let duration, duration > .zero else { return .failure(ConfigValueMismatch(found: value.messageText)) }
            return .success(duration)
        }
    }
}

extension ConfigValueType where Value == Duration {
    /// A duration of zero or more (zero turns something off).
    static var duration: Self {
        Self(expectation: "a duration such as \"2m\", or 0") { value in
            let duration = value.int.map { Duration.seconds($0) } ?? value.string.flatMap(DurationParser.parse)
            guard let duration, duration >= .zero else { return .failure(ConfigValueMismatch(found: value.messageText)) }
            return .success(duration)
        }
    }
}

extension ConfigValueType {
    /// An array whose every element is of `element`'s type; an element that is not makes the
    /// message show that element.
    static func list<Element>(of element: ConfigValueType<Element>, nonEmpty: Bool = false) -> Self
    where Value == [Element] {
        let expectation = "\(nonEmpty ? "a non-empty" : "an") array of \(element.expectation)"
        return Self(expectation: expectation) { value in
            guard let array = value.array, !(nonEmpty && array.isEmpty) else {
                return .failure(ConfigValueMismatch(found: value.messageText))
            }
            var elements: [Element] = []
            for item in array {
                switch element.convert(item) {
                case .success(let converted): elements.append(converted)
                case .failure(let mismatch): return .failure(mismatch)
                }
            }
            return .success(elements)
        }
    }
}

extension ConfigValueType where Value == HostAndPort {
    /// `"host:port"`, IPv6 as `"[::1]:8080"`; see `HostAndPort.init(parsing:allowingPortZero:)`.
    static func hostAndPort(allowingPortZero: Bool = false) -> Self {
        ConfigValueType<String>.string.map("\"host:port\" strings (IPv6 as \"[::1]:8080\")") {
            HostAndPort(parsing: $0, allowingPortZero: allowingPortZero)
        }
    }
}
