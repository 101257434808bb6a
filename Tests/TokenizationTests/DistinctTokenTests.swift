import XCTest
@testable import Tokenization

/// Tokens that are distinct bytes but equal Swift `String`s (canonical equivalence: U+2329 and
/// U+3008, "ѝ" and "и" + U+0300) load as separate tokens from tokenizer.json and vocab.txt,
/// with HF's ids and no duplicate warning. Fixture: Scripts/reference/distinct_tokens.py
/// (tokenizers 0.23.3); mBERT's real vocabulary broke this way.
final class DistinctTokenTests: XCTestCase {
    private let dir = Fixtures.fixture("distinct-tokens")

    private func cases() throws -> [(text: [UInt8], ids: [UInt32])] {
        let text = try String(contentsOf: dir.appendingPathComponent("encodings.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let v = try Array(line.utf8).withUnsafeBufferPointer { try JSONValue.parse($0) }
            guard case let .string(t)? = v["text"]?.kind, case let .array(ids)? = v["ids"]?.kind else {
                throw XCTSkip("bad fixture line")
            }
            return (t, ids.map { UInt32($0.integer!) })
        }
    }

    private func check(_ vocabulary: Vocabulary, normalizer: NormalizerOptions?) throws {
        XCTAssertNil(vocabulary.duplicateWarning)
        XCTAssertEqual(vocabulary.count, 39)
        XCTAssertNotEqual(vocabulary.id(for: "\u{2329}"), vocabulary.id(for: "\u{3008}"))
        XCTAssertNotEqual(vocabulary.id(for: "\u{45D}"), vocabulary.id(for: "\u{438}\u{300}"))
        XCTAssertNotEqual(vocabulary.id(for: "##\u{FF63}"), vocabulary.id(for: "##\u{300D}"))
        let encoder = try BertTokenizer(vocabulary: vocabulary, normalizer: normalizer).makeEncoder()
        var encoding = Encoding()
        let all = try cases()
        XCTAssertEqual(all.count, 8)
        for (text, ids) in all {
            try text.withUnsafeBufferPointer { try encoder.encode($0, into: &encoding) }
            XCTAssertEqual(encoding.ids, ids, String(decoding: text, as: UTF8.self))
        }
    }

    func testTokenizerJSONKeepsCanonicallyEquivalentTokensApart() throws {
        let v = try Vocabulary(path: dir.appendingPathComponent("tokenizer.json").path)
        XCTAssertEqual(v.normalizer?.lowercase, false)
        try check(v, normalizer: v.normalizer)
    }

    func testVocabTextKeepsCanonicallyEquivalentTokensApart() throws {
        var o = NormalizerOptions()
        o.lowercase = false
        try check(try Vocabulary(path: dir.appendingPathComponent("vocab.txt").path), normalizer: o)
    }

    /// Errors name the byte, line and column; invalid UTF-8 and duplicate keys too.
    func testTokenizerJSONErrorsHaveAPosition() {
        func error(_ json: String, raw: [UInt8]? = nil) -> String? {
            do {
                _ = try TokenizerJSON.parse(raw ?? Array(json.utf8), path: "t.json")
                return nil
            } catch { return "\(error)" }
        }
        let head = #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1"#
        XCTAssertEqual(
            error(head + "}}"), "t.json: byte 62 (line 1, column 63): not valid JSON: unclosed object: end of input")
        XCTAssertEqual(
            error(head + ",}}}"), "t.json: byte 61 (line 1, column 62): not valid JSON: trailing comma before '}'")
        XCTAssertEqual(
            error(head + "}}} x"),
            "t.json: byte 64 (line 1, column 65): not valid JSON: unexpected 'x' after the JSON value")
        XCTAssertEqual(
            error(#"{"model": {"vocab": {"[UNK]": 0, "a": 5}}}"#),
            "t.json: byte 38 (line 1, column 39): vocab entry \"a\" has id 5, outside 0..<2")
        XCTAssertEqual(
            error(
                "", raw: Array("{\n \"model\": {\"vocab\": {\"[UNK]\": 0, \"".utf8) + [0xFF] + Array("\": 1}}}".utf8)),
            "t.json: byte 36 (line 2, column 35): not valid UTF-8")
        XCTAssertEqual(
            error(#"{"model": {"type": "BPE", "vocab": {}}}"#),
            "t.json: byte 19 (line 1, column 20): model type \"BPE\" is not WordPiece")
        // A key twice: the last value wins (serde_json, Python), so id 1 has no token.
        XCTAssertEqual(
            error(#"{"model": {"vocab": {"[UNK]": 0, "a": 1, "a": 0}}}"#),
            "t.json: byte 46 (line 1, column 47): id 0 is given to both \"[UNK]\" and \"a\"")
    }
}
