import SocketIO
import ZenithJSON

/// Who a realtime client is, according to the dashboard: the configured identity fields (`id`,
/// `project_id`, `name`...) as text, the roles, and the user's token. Attached to the socket for
/// room policy and event sources; the token is kept in memory only and never printed.
public struct Identity: Sendable, Hashable, CustomStringConvertible {
    public var fields: [String: String]
    public var roles: [String]
    /// The user's Keystone token when the endpoint returns one (Horizon does by default).
    public var token: String?

    public init(fields: [String: String], roles: [String], token: String?) {
        self.fields = fields
        self.roles = roles
        self.token = token
    }

    /// Reads the identity out of the endpoint's JSON object with a field mapping (identity name →
    /// JSON key). Nil when the answer is not an object or has no `id`.
    init?(json: JSONValue, mapping: [String: String]) {
        guard case .object(let object) = json else { return nil }
        var fields: [String: String] = [:]
        var roles: [String] = []
        for (name, key) in mapping {
            switch object[key] {
            case .string(let value)?: fields[name] = value
            case .int(let value)?: fields[name] = String(value)
            case .bool(let value)?: fields[name] = String(value)
            case .array(let values)? where name == "roles":
                roles = values.compactMap { value in
                    if case .string(let role) = value { return role }
                    if case .object(let role) = value, case .string(let roleName)? = role["name"] { return roleName }
                    return nil
                }
            default: continue
            }
        }
        guard fields["id"] != nil else { return nil }
        self.init(fields: fields, roles: roles, token: object["token"]?.stringValue)
    }

    /// The fields only: never the token.
    public var description: String {
        "Identity(" + self.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
    }
}
