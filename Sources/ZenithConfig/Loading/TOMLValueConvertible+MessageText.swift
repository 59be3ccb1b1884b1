import TOMLKit

extension TOMLValueConvertible {
    /// The value as an error message shows it after "found": strings quoted, numbers and booleans as
    /// written, other kinds by name (a whole table would drown the message).
    var messageText: String {
        switch type {
        case .string: "\"\(string ?? "")\""
        case .int, .double: debugDescription
        case .bool: "\(bool ?? false)"
        case .table: "a table"
        case .array: "an array"
        case .date, .time, .dateTime: "a \(type)"
        }
    }
}
