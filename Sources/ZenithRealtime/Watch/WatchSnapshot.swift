import NIOCore
import SocketIO
import ZenithConfig
import ZenithJSON

/// One poll's answer reduced to what a watcher compares: each item's key and its watched fields,
/// in the order the backend listed them.
struct WatchSnapshot: Equatable {
    /// Why an answer could not be read as a list of items.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case notJSON
        case noList(String)

        var description: String {
            switch self {
            case .notJSON: "the answer is not JSON"
            case .noList(let items): items.isEmpty ? "the answer is not a JSON list" : "the answer has no list '\(items)'"
            }
        }
    }

    /// Keys in answer order; an item repeated later in the list is counted once, where it first came.
    private(set) var keys: [String] = []
    /// Key → the watched fields (a field the item lacks is `null`).
    private(set) var fields: [String: JSONObject] = [:]

    init() {}

    /// Reads `settings.items` of the JSON answer; items that are not objects or have no usable key
    /// (a string or an integer) are skipped.
    init(parsing body: ByteBuffer, settings: WatchSettings) throws(Failure) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            throw .notJSON
        }
        let list = settings.items.isEmpty ? json.arrayValue : json[settings.items]?.arrayValue
        guard let list else { throw .noList(settings.items) }
        for case .object(let item) in list {
            let key: String
            switch item[settings.key] {
            case .string(let text)?: key = text
            case .int(let number)?: key = String(number)
            default: continue
            }
            guard self.fields[key] == nil else { continue }
            self.keys.append(key)
            self.fields[key] = JSONObject(settings.fields.map { ($0, item[$0] ?? .null) })
        }
    }

    /// Reads what `stored()` wrote; nil for anything else (a new lease holder then starts afresh).
    init?(stored: ByteBuffer) {
        guard case .array(let entries)? = try? JSONValue(parsing: stored) else { return nil }
        for entry in entries {
            guard case .array(let pair) = entry, pair.count == 2, case .string(let key) = pair[0],
                case .object(let fields) = pair[1], self.fields[key] == nil
            else { return nil }
            self.keys.append(key)
            self.fields[key] = fields
        }
    }

    /// The snapshot as a cluster keeps it in Redis for the scope's next lease holder:
    /// `[["key",{fields}],...]` in answer order.
    func stored() -> ByteBuffer {
        var buffer = ByteBuffer()
        JSONValue.array(self.keys.map { .array([.string($0), .object(self.fields[$0]!)]) }).write(into: &buffer)
        return buffer
    }

    /// What differs from `earlier`: new keys, keys whose watched fields changed, and keys gone.
    func changes(since earlier: WatchSnapshot) -> WatchChanges {
        var changes = WatchChanges()
        for key in self.keys {
            let now = self.fields[key]!
            if let before = earlier.fields[key] {
                if before != now {
                    changes.changed.append(.init(key: key, old: before, new: now))
                }
            } else {
                changes.added.append(.init(key: key, fields: now))
            }
        }
        changes.removed = earlier.keys.filter { self.fields[$0] == nil }
        return changes
    }
}

/// The difference between two snapshots of one scope, as sent in a `watch:<name>` event.
struct WatchChanges: Equatable {
    struct Added: Equatable {
        var key: String
        var fields: JSONObject
    }

    struct Changed: Equatable {
        var key: String
        var old: JSONObject
        var new: JSONObject
    }

    var added: [Added] = []
    var changed: [Changed] = []
    var removed: [String] = []

    var isEmpty: Bool { self.added.isEmpty && self.changed.isEmpty && self.removed.isEmpty }

    /// `{"watch":..., "scope":..., "added":[{"key","fields"}], "changed":[{"key","old","new"}], "removed":[keys]}`.
    func payload(watch: String, scope: String) -> JSONValue {
        .object([
            "watch": .string(watch),
            "scope": .string(scope),
            "added": .array(self.added.map { .object(["key": .string($0.key), "fields": .object($0.fields)]) }),
            "changed": .array(self.changed.map {
                .object(["key": .string($0.key), "old": .object($0.old), "new": .object($0.new)])
            }),
            "removed": .array(self.removed.map { .string($0) }),
        ])
    }
}
