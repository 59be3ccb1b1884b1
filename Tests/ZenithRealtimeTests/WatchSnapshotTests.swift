import NIOCore
import SocketIO
import Testing
import ZenithConfig
import ZenithJSON

@testable import ZenithRealtime

@Suite("watcher snapshots and their differences")
struct WatchSnapshotTests {
    private let settings = WatchSettings(
        name: "servers", upstream: "horizon", path: "/api/nova/servers/", headers: [:], items: "items", key: "id",
        fields: ["status", "OS-EXT-STS:task_state"], interval: .seconds(2), room: "project:{project_id}",
        timeout: .seconds(5), maxResponseBytes: 1 << 20
    )

    private func snapshot(_ json: String, items: String = "items") throws -> WatchSnapshot {
        var settings = self.settings
        settings.items = items
        return try WatchSnapshot(parsing: ByteBuffer(string: json), settings: settings)
    }

    @Test("only the key and the watched fields are kept; a missing field is null")
    func watchedFieldsOnly() throws {
        let snapshot = try snapshot(#"{"items":[{"id":"a","name":"web","status":"BUILD","OS-EXT-STS:task_state":"spawning"},{"id":"b","status":"ACTIVE"}]}"#)
        let changes = snapshot.changes(since: WatchSnapshot())
        #expect(changes.added == [
            .init(key: "a", fields: ["status": "BUILD", "OS-EXT-STS:task_state": "spawning"]),
            .init(key: "b", fields: ["status": "ACTIVE", "OS-EXT-STS:task_state": nil]),
        ])
    }

    @Test("a change of a watched field is reported with old and new values; other fields are ignored")
    func changed() throws {
        let before = try snapshot(#"{"items":[{"id":"a","name":"web","status":"BUILD","OS-EXT-STS:task_state":"spawning"}]}"#)
        let renamed = try snapshot(#"{"items":[{"id":"a","name":"www","status":"BUILD","OS-EXT-STS:task_state":"spawning"}]}"#)
        #expect(renamed.changes(since: before).isEmpty)
        let active = try snapshot(#"{"items":[{"id":"a","name":"web","status":"ACTIVE","OS-EXT-STS:task_state":null}]}"#)
        #expect(active.changes(since: before).changed == [
            .init(
                key: "a", old: ["status": "BUILD", "OS-EXT-STS:task_state": "spawning"],
                new: ["status": "ACTIVE", "OS-EXT-STS:task_state": nil]
            )
        ])
    }

    @Test("items gone are removed, new ones added, in the backend's order")
    func addedAndRemoved() throws {
        let before = try snapshot(#"{"items":[{"id":"a","status":"ACTIVE"},{"id":"b","status":"ACTIVE"}]}"#)
        let after = try snapshot(#"{"items":[{"id":"c","status":"BUILD"},{"id":"b","status":"ACTIVE"},{"id":7,"status":"BUILD"}]}"#)
        let changes = after.changes(since: before)
        #expect(changes.added.map(\.key) == ["c", "7"])
        #expect(changes.removed == ["a"])
        #expect(changes.changed.isEmpty)
    }

    @Test("items without a usable key, and repeated keys, are skipped")
    func badItems() throws {
        let snapshot = try snapshot(#"{"items":[{"status":"ACTIVE"},{"id":null},{"id":{"x":1}},"text",{"id":"a","status":"BUILD"},{"id":"a","status":"ACTIVE"}]}"#)
        #expect(snapshot.changes(since: WatchSnapshot()).added == [.init(key: "a", fields: ["status": "BUILD", "OS-EXT-STS:task_state": nil])])
    }

    @Test("an answer that is the list itself is read with items = \"\"")
    func bareList() throws {
        let snapshot = try snapshot(#"[{"id":"a","status":"ACTIVE"}]"#, items: "")
        #expect(snapshot.changes(since: WatchSnapshot()).added.map(\.key) == ["a"])
    }

    @Test("an answer that is not JSON, or lacks the list, is refused")
    func refused() {
        #expect(throws: WatchSnapshot.Failure.notJSON) { try snapshot("<html>login</html>") }
        #expect(throws: WatchSnapshot.Failure.noList("items")) { try snapshot(#"{"error":"x"}"#) }
        #expect(throws: WatchSnapshot.Failure.noList("items")) { try snapshot(#"{"items":{"id":"a"}}"#) }
        #expect(throws: WatchSnapshot.Failure.noList("")) { try snapshot(#"{"items":[]}"#, items: "") }
    }

    @Test("the event payload names the watch and scope and lists the three kinds of change")
    func payload() throws {
        let before = try snapshot(#"{"items":[{"id":"a","status":"BUILD"},{"id":"b","status":"ACTIVE"}]}"#)
        let after = try snapshot(#"{"items":[{"id":"a","status":"ACTIVE"},{"id":"c","status":"BUILD"}]}"#)
        let text = after.changes(since: before).payload(watch: "servers", scope: "project:p").jsonText
        #expect(text == #"{"watch":"servers","scope":"project:p","added":[{"key":"c","fields":{"status":"BUILD","OS-EXT-STS:task_state":null}}],"changed":[{"key":"a","old":{"status":"BUILD","OS-EXT-STS:task_state":null},"new":{"status":"ACTIVE","OS-EXT-STS:task_state":null}}],"removed":["b"]}"#)
    }

    @Test("a snapshot kept in Redis for the next lease holder reads back equal; anything else is refused")
    func stored() throws {
        let snapshot = try snapshot(#"{"items":[{"id":"b","status":"ACTIVE"},{"id":7,"status":"BUILD","OS-EXT-STS:task_state":"spawning"}]}"#)
        #expect(WatchSnapshot(stored: snapshot.stored()) == snapshot)
        #expect(WatchSnapshot(stored: WatchSnapshot().stored()) == WatchSnapshot())
        for bad in [#"{"a":1}"#, #"[["a"]]"#, #"[["a",{}],["a",{}]]"#, #"[[1,{}]]"#, "x"] {
            #expect(WatchSnapshot(stored: ByteBuffer(string: bad)) == nil, "\(bad)")
        }
    }
}
