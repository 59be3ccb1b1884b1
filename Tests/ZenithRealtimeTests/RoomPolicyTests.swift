import SocketIO
import Testing
import ZenithJSON

@testable import ZenithRealtime

@Suite("identity and room policy")
struct RoomPolicyTests {
    private let alice = Identity(fields: ["id": "u-1", "project_id": "proj-a", "name": "alice"], roles: ["member"], token: "secret-token")

    @Test("room templates are filled from identity fields")
    func fill() {
        #expect(RoomTemplate("project:{project_id}").fill(with: alice) == "project:proj-a")
        #expect(RoomTemplate("user:{id}:{name}").fill(with: alice) == "user:u-1:alice")
        #expect(RoomTemplate("static").fill(with: alice) == "static")
    }

    @Test("a template naming a missing or empty field makes no room")
    func missingField() {
        #expect(RoomTemplate("domain:{domain_id}").fill(with: alice) == nil)
        let empty = Identity(fields: ["id": "u-2", "project_id": ""], roles: [], token: nil)
        #expect(RoomTemplate("project:{project_id}").fill(with: empty) == nil)
    }

    @Test("subscribe patterns allow their own project's rooms only")
    func patterns() {
        let pattern = RoomTemplate("project:{project_id}:*")
        #expect(pattern.allows("project:proj-a:servers", for: alice))
        #expect(!pattern.allows("project:proj-b:servers", for: alice))
        #expect(!pattern.allows("project:proj-a:", for: alice))
        #expect(!pattern.allows("project:proj-a", for: alice))
        #expect(RoomTemplate("user:{id}").allows("user:u-1", for: alice))
        #expect(!RoomTemplate("user:{id}").allows("user:u-10", for: alice))
    }

    @Test("a value ending in * does not make an exact template a prefix")
    func starInValue() {
        let bob = Identity(fields: ["id": "u-2", "name": "bob*", "project_id": "proj-*"], roles: [], token: nil)
        #expect(!RoomTemplate("user:{name}").allows("user:bobby", for: bob))
        #expect(RoomTemplate("user:{name}").allows("user:bob*", for: bob))
        #expect(!RoomTemplate("project:{project_id}").allows("project:proj-b", for: bob))
        // A prefix template keeps the value's `*` as a literal character of its prefix.
        #expect(RoomTemplate("project:{project_id}:*").allows("project:proj-*:servers", for: bob))
        #expect(!RoomTemplate("project:{project_id}:*").allows("project:proj-b:servers", for: bob))
    }

    @Test("the identity is read through the field mapping, roles by name")
    func identityFromJSON() throws {
        let json = try JSONValue(parsing: #"{"id":"u-1","username":"alice","project_id":"proj-a","roles":[{"name":"member"},"reader"],"token":"t","is_superuser":false}"#)
        let identity = try #require(Identity(json: json, mapping: ["id": "id", "project_id": "project_id", "name": "username", "roles": "roles", "superuser": "is_superuser"]))
        #expect(identity.fields == ["id": "u-1", "project_id": "proj-a", "name": "alice", "superuser": "false"])
        #expect(identity.roles == ["member", "reader"])
        #expect(identity.token == "t")
    }

    @Test("an answer without an id is no identity")
    func noID() throws {
        #expect(Identity(json: try JSONValue(parsing: #"{"username":"x"}"#), mapping: ["id": "id"]) == nil)
        #expect(Identity(json: try JSONValue(parsing: #"[1]"#), mapping: ["id": "id"]) == nil)
    }

    @Test("the token never appears in an identity's description")
    func tokenNotPrinted() {
        #expect(!alice.description.contains("secret-token"))
        #expect(!"\(alice)".contains("secret-token"))
    }
}
