import Foundation
import XCTest
@testable import Tokenization

/// The strict JSON reader: RFC 8259 grammar, Python's `json` where the RFC leaves a choice
/// (last duplicate key wins, lone surrogates accepted), keys compared as bytes, and a line
/// and byte column in every error.
final class StrictJSONTests: XCTestCase {
    /// The strings at `paths` (dotted) of `json`, or the location when it is not a string.
    private func select(_ json: String, _ paths: [String] = ["text"]) throws -> [String] {
        let keys = paths.map { $0.split(separator: ".").map { Array($0.utf8) } }
        var locations: [JSONMemberLocation] = []
        return try Array(json.utf8).withUnsafeBufferPointer { line in
            try StrictJSON.locate(keys, in: line, into: &locations)
            return locations.map { location in
                guard case let .string(offset) = location else { return "\(location)" }
                var out: [UInt8] = []
                StrictJSON.appendString(at: offset, of: line, to: &out)
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    private func failure(_ json: String) -> StrictJSONError? {
        do {
            _ = try select(json)
            return nil
        } catch { return error as? StrictJSONError }
    }

    func testValidLinesGiveTheirText() throws {
        XCTAssertEqual(try select(#"{"text":"hi"}"#), ["hi"])
        XCTAssertEqual(
            try select(" \t{ \"text\" : \"hi\" , \"n\": [1, -0.5e+3, true, false, null, {}, []] }\r"), ["hi"])
        XCTAssertEqual(
            try select(#"{"a": {"b": [{"text": "no"}]}, "text": "q\"\\\/\b\f\n\r\tz"}"#), ["q\"\\/\u{8}\u{c}\n\r\tz"])
        XCTAssertEqual(try select(#"{"te\u0078t": "escaped key"}"#), ["escaped key"])
        XCTAssertEqual(try select(#"{"text": "caf\u00e9 \u4e2d \ud83d\ude00"}"#), ["café 中 😀"])
        XCTAssertEqual(try select(#"{"id": 0, "x": 10, "y": 1.5E-7, "text": ""}"#), [""])
    }

    /// The cases of issue 18 that the old scanner accepted.
    func testTrailingBytesUnclosedObjectsAndTrailingCommasAreRefused() {
        let cases: [(String, Int, String)] = [
            (#"{"text":"hi"} garbage"#, 15, "unexpected 'g' after the JSON value"),
            (#"{"text":"hi"}}"#, 14, "unexpected '}' after the JSON value"),
            (#"{"text":"hi""#, 13, "unclosed object: end of input"),
            (#"{"text":"hi",}"#, 14, "trailing comma before '}'"),
            (#"{"text":"hi", "a": [1,]}"#, 23, "trailing comma before ']'"),
            (#"{"text":"#, 9, "expected a value, found end of input"),
            (#"{"text":"hi"#, 12, "unterminated string (opened at column 9)"),
            (#"{"text":"hi" "n": 1}"#, 14, "expected ',' or '}' in the object, found '\"'"),
            (#"{"text":"a\u12"}"#, 15, "\\u must be followed by four hex digits"),
            (#"{"text":"a\x"}"#, 11, "invalid escape \\x"),
            (#"{"n": 01, "text":"a"}"#, 7, "leading zero in a number"),
            (#"{"n": 1., "text":"a"}"#, 9, "expected a digit after the decimal point, found ','"),
            (#"{"n": -, "text":"a"}"#, 8, "expected a digit in the number, found ','"),
            (#"{"n": NaN, "text":"a"}"#, 7, "expected a value, found 'N'"),
            (#"{"n": tru, "text":"a"}"#, 7, "expected a value, found 't'"),
            (#"{text: "a"}"#, 2, "expected a key string, found 't'"),
            (#"{"text" "a"}"#, 9, "expected ':' after the key, found '\"'"),
            ("{\"text\":\"a\tb\"}", 11, "control character 0x9 in a string (write it as an escape)"),
            (#"["text"]"#, 1, "expected a JSON object, found another kind of value"),
            (#""text""#, 1, "expected a JSON object, found another kind of value"),
            ("\u{FEFF}{\"text\":\"a\"}", 1, "starts with a UTF-8 byte order mark, which JSON does not allow"),
            ("{\"text\":\"a\"} \u{FF}", 14, "unexpected byte 0xc3 after the JSON value"),
        ]
        for (json, column, detail) in cases {
            let e = failure(json)
            XCTAssertEqual(e?.detail, detail, json)
            XCTAssertEqual(e?.column, column, json)
            XCTAssertEqual(e?.line, 1, json)
        }
    }

    func testDeepNestingIsRefusedNotACrash() {
        let deep = "{\"a\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        XCTAssertEqual(failure(deep)?.detail, "nested deeper than 512 levels")
        let fine =
            "{\"a\": " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + ", \"text\": \"x\"}"
        XCTAssertEqual(try select(fine), ["x"])
    }

    /// Python: `json.loads('{"text": "a", "text": "b"}')["text"] == "b"`, also for an object on the way.
    func testTheLastDuplicateKeyWins() throws {
        XCTAssertEqual(try select(#"{"text": "a", "text": "b"}"#), ["b"])
        XCTAssertEqual(try select(#"{"text": 1, "text": "b"}"#), ["b"])
        XCTAssertEqual(try select(#"{"text": "a", "text": 1}"#), ["notAString(offset: 22)"])
        XCTAssertEqual(try select(#"{"m": {"b": "x"}, "m": {"c": "y"}}"#, ["m.b"]), ["missing(keys: 1, offset: 32)"])
        XCTAssertEqual(try select(#"{"m": {"b": "x"}, "m": 5}"#, ["m.b"]), ["notAnObject(keys: 1, offset: 23)"])
        XCTAssertEqual(try select(#"{"m": 5, "m": {"b": "y"}}"#, ["m.b", "m"]), ["y", "notAString(offset: 14)"])
    }

    /// Python keeps a lone surrogate in its `str`; it has no UTF-8, so it becomes U+FFFD.
    func testSurrogateEscapes() throws {
        XCTAssertEqual(try select(#"{"text": "\ud83d\ude00"}"#), ["😀"])
        XCTAssertEqual(try select(#"{"text": "a\ud800b"}"#), ["a\u{FFFD}b"])
        XCTAssertEqual(try select(#"{"text": "\udc00\ud800"}"#), ["\u{FFFD}\u{FFFD}"])
        XCTAssertEqual(try select(#"{"text": "\ud800\u0041"}"#), ["\u{FFFD}A"])
        XCTAssertEqual(try select(#"{"text": "\ud800"}"#), ["\u{FFFD}"])
    }

    /// "é" precomposed and decomposed are equal `String`s in Swift but different keys in JSON.
    func testKeysAreComparedAsBytes() throws {
        let json = #"{"\u00e9": "precomposed", "e\u0301": "decomposed"}"#
        XCTAssertEqual(try select(json, ["\u{E9}"]), ["precomposed"])
        XCTAssertEqual(try select(json, ["e\u{301}"]), ["decomposed"])
        XCTAssertEqual(try select(#"{"é": "raw"}"#, ["e\u{301}"]), ["missing(keys: 0, offset: 12)"])
    }

    func testDocumentsGiveLineAndColumn() throws {
        let text = Array("{\n  \"a\": [1,\n    2,]\n}".utf8)
        XCTAssertThrowsError(try text.withUnsafeBufferPointer { try JSONValue.parse($0) }) { e in
            let e = e as! StrictJSONError
            XCTAssertEqual([e.offset, e.line, e.column], [19, 3, 7])
            XCTAssertEqual(e.description, "3:7: trailing comma before ']'")
        }
        let doc = Array(#"{"k": [1, "two", {"k": null}], "k": 12345678901, "f": -1.25}"#.utf8)
        let v = try doc.withUnsafeBufferPointer { try JSONValue.parse($0) }
        XCTAssertEqual(v["k"]?.integer, 12_345_678_901)
        XCTAssertEqual(v["k"]?.offset, 36)
        if case let .number(d, i)? = v["f"]?.kind {
            XCTAssertEqual(d, -1.25)
            XCTAssertNil(i)
        } else {
            XCTFail("f is not a number")
        }
    }

    /// 4,000 lines (seed objects with random edits) against Python's `json` verdict on each:
    /// valid or not, and the "text" member (last duplicate wins). Fixture:
    /// Scripts/reference/strict_json_cases.py.
    func testAgreesWithPythonsJSONOnMutatedLines() throws {
        let url = Fixtures.fixture("strict-json-cases.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        var checked = 0, valid = 0
        for row in text.split(separator: "\n") {
            let c = try JSONSerialization.jsonObject(with: Data(row.utf8)) as! [String: Any]
            let line = c["line"] as! String
            let wantValid = c["valid"] as! Bool
            var locations: [JSONMemberLocation] = []
            var got: [UInt8]?
            var kind = "invalid"
            Array(line.utf8).withUnsafeBufferPointer { bytes in
                guard (try? StrictJSON.locate([[Array("text".utf8)]], in: bytes, into: &locations)) != nil else {
                    return
                }
                switch locations[0] {
                case let .string(offset):
                    var out: [UInt8] = []
                    StrictJSON.appendString(at: offset, of: bytes, to: &out)
                    got = out
                    kind = "string"
                case .missing: kind = "missing"
                default: kind = "not a string"
                }
            }
            XCTAssertEqual(kind != "invalid", wantValid, line)
            if wantValid {
                valid += 1
                XCTAssertEqual(kind, c["text_kind"] as? String, line)
                if let want = c["text"] as? String { XCTAssertEqual(got, Array(want.utf8), line) }
            }
            checked += 1
        }
        XCTAssertEqual(checked, 4000)
        XCTAssertGreaterThan(valid, 500)
    }
}
