import TOMLKit

/// Reads the keys of one config-file table (`[limits]`, `[upstream.horizon]`, the top level) into
/// typed values, reporting each problem on its line.
///
/// Every key asked for is remembered, so `finish()` can name the keys nobody asked for: the list of
/// accepted keys is the code that reads them, never a second list that could drift from it. A
/// section that is absent reads as empty, so defaults apply without special cases.
struct ConfigSectionReader {
    /// Table names from the top, e.g. `["upstream", "horizon"]`; empty for the top level.
    let path: [String]
    private let table: TOMLTable?
    private let context: ConfigFileContext
    private var knownKeys: Set<String> = []

    init(path: [String], table: TOMLTable?, context: ConfigFileContext) {
        self.path = path
        self.table = table
        self.context = context
    }

    /// Whether the table is written in the file.
    var isPresent: Bool { table != nil }

    /// `[limits]`, `[upstream.horizon]`, or "the top level", for messages.
    var displayName: String {
        if let entry = path.last, entry.hasPrefix("#"), let index = Int(entry.dropFirst()) {
            return "[[\(path.dropLast().joined(separator: "."))]] #\(index + 1)"
        }
        return path.isEmpty ? "the top level" : "[\(path.joined(separator: "."))]"
    }

    /// Whether `key` is written in this table.
    func contains(_ key: String) -> Bool {
        table?[key] != nil
    }

    /// The value of `key`, or nil when it is absent or invalid (which is reported).
    mutating func read<Value>(_ key: String, as type: ConfigValueType<Value>) -> Value? {
        knownKeys.insert(key)
        guard let value = table?[key] else { return nil }
        switch type.convert(value) {
        case .success(let converted):
            return converted
        case .failure(let mismatch):
            report("invalid value for '\(key)' in \(displayName): expected \(type.expectation), found \(mismatch.found)", at: key)
            return nil
        }
    }

    /// Like `read`, and also reports the key missing when it is not written.
    mutating func readRequired<Value>(_ key: String, as type: ConfigValueType<Value>) -> Value? {
        if !contains(key) {
            report("missing '\(key)' in \(displayName)")
        }
        return read(key, as: type)
    }

    /// The sub-table `key`, read as empty when absent or not a table (which is reported).
    mutating func section(_ key: String) -> ConfigSectionReader {
        knownKeys.insert(key)
        let value = table?[key]
        if let value, value.table == nil {
            report("'\(key)' in \(displayName) must be a table, found \(value.messageText)", at: key)
        }
        return ConfigSectionReader(path: path + [key], table: value?.table, context: context)
    }

    /// Every sub-table, by name, for sections whose keys are names chosen by the user (`[upstream.NAME]`).
    mutating func sectionsByName() -> [ConfigSectionReader] {
        let names = table?.keys.sorted() ?? []
        return names.map { section($0) }
    }

    /// Every entry of the array of tables `key` (`[[watch]]`), in file order; none when absent or
    /// not an array of tables (which is reported).
    mutating func arrayOfTables(_ key: String) -> [ConfigSectionReader] {
        knownKeys.insert(key)
        guard let value = table?[key] else { return [] }
        guard let array = value.array, array.allSatisfy({ $0.table != nil }) else {
            report("'\(key)' must be written as [[\(key)]] tables, found \(value.messageText)", at: key)
            return []
        }
        return array.indices.map { index in
            ConfigSectionReader(
                path: path + [key, TOMLKeyLocator.entryComponent(index)], table: array[index].table, context: context)
        }
    }

    /// Every key of this table read as a string, in key order (for free-form tables such as
    /// `headers = { "X-Requested-With" = "XMLHttpRequest" }`).
    mutating func readAllStrings() -> [(key: String, value: String)] {
        (table?.keys.sorted() ?? []).compactMap { key in
            self.read(key, as: .string).map { (key, $0) }
        }
    }

    /// Reports a problem about `key` on its line, or about the whole table on its header's line.
    func report(_ message: String, at key: String? = nil, severity: ConfigDiagnostic.Severity = .error) {
        context.report(message, at: path + (key.map { [$0] } ?? []), severity: severity)
    }

    /// Reports every key of the table that was neither read nor accepted.
    func finish() {
        for key in table?.keys.sorted() ?? [] where !knownKeys.contains(key) {
            let isTable = table?[key]?.table != nil
            if path.isEmpty && isTable {
                report("unknown section [\(key)]", at: key)
            } else {
                report("unknown key '\(key)' in \(displayName)", at: key)
            }
        }
    }
}
