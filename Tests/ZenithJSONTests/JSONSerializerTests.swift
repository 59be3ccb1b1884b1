import NIOCore
import ZenithJSON
import Testing

@Suite("JSON serializing")
struct JSONSerializerTests {
    static let compactForms: [(JSONValue, String)] = [
        (JSONValue.null, "null"), (true, "true"), (false, "false"), (0, "0"), (-42, "-42"),
        (.int(.max), "9223372036854775807"), (.int(.min), "-9223372036854775808"),
        (1.5, "1.5"), (-0.25, "-0.25"), (3.0, "3"), (.double(-0.0), "0"), (0.1, "0.1"), (1e21, "1e+21"),
        (.double(.nan), "null"), (.double(.infinity), "null"),
        ("", #""""#), ("hi", #""hi""#), ([], "[]"), ([:], "{}"),
        ([1, "a", nil, [true]], #"[1,"a",null,[true]]"#),
        (["b": 1, "a": ["c": []]], #"{"b":1,"a":{"c":[]}}"#),
    ]

    @Test("values serialize compactly, as JSON.stringify writes them", arguments: compactForms)
    func serializes(value: JSONValue, text: String) {
        #expect(value.jsonText == text)
    }

    @Test("strings escape quotes, backslashes and control characters only")
    func escaping() {
        let value = JSONValue.string("\"\\/\u{08}\u{0C}\n\r\t\u{00}\u{1F}\u{1E}\u{7F}é😀\u{2028}")
        #expect(value.jsonText == #""\"\\/\b\f\n\r\t\u0000\u001f\u001e"# + "\u{7F}é😀\u{2028}\"")
    }

    @Test("binary values are not JSON and serialize as null")
    func binaryIsNull() {
        #expect(JSONValue.array([.binary(ByteBuffer(bytes: [1]))]).jsonText == "[null]")
    }

    @Test("parse then serialize gives compact text back, keys in order", arguments: [
        #"{"z":1,"a":2,"m":[1,2.5,-3e-7,"x\"y",{"nested":null}],"t":true}"#,
        #"["\u001e",1e+300,-0.5,"😀"]"#,
        #"{"":""}"#,
    ])
    func roundTrip(text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: value.jsonText) == value)
    }

    @Test("doubles survive a round trip bit for bit")
    func doubleRoundTrip() throws {
        for number in [0.1, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, 123456.789, 1e15, 1e16, -2.5e-10] {
            #expect(try JSONValue(parsing: JSONValue.double(number).jsonText).doubleValue == number)
        }
    }

    @Test("writing into a buffer appends")
    func writeAppends() {
        var buffer = ByteBuffer(string: "42")
        JSONValue.array(["hey", "Jude"]).write(into: &buffer)
        #expect(String(buffer: buffer) == #"42["hey","Jude"]"#)
    }

    @Test("objects: setting replaces in place, nil removes, a new key appends")
    func objectEditing() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSONValue.object(object).jsonText == #"{"a":10,"c":3}"#)
        #expect(JSONObject([("k", 1), ("k", 2)]) == ["k": 2])
    }

    @Test("numbers compare and hash by value, so an integral double equals its int")
    func numericEquality() {
        #expect(JSONValue.int(1) == .double(1))
        #expect(JSONValue.double(1.5) != .int(1))
        #expect(Set<JSONValue>([.int(2), .double(2)]).count == 1)
        #expect(JSONValue.array([.int(1)]) == [1.0])
        #expect(JSONValue.int(1) != .string("1"))
        #expect(JSONValue.object(["a": 1, "b": 2]) != .object(["b": 2, "a": 1]))
    }

    @Test("accessors read the case they name")
    func accessors() {
        #expect(JSONValue.int(3).int64Value == 3)
        #expect(JSONValue.double(3).int64Value == 3)
        #expect(JSONValue.double(3.5).int64Value == nil)
        #expect(JSONValue.int(3).doubleValue == 3)
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.null.isNull)
        #expect(JSONValue.array([["a": .binary(ByteBuffer())]]).containsBinary)
        #expect(!JSONValue.array([["a": 1]]).containsBinary)
    }
}
