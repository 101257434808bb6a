import Foundation
import XCTest
@testable import Tokenization

/// `TokenizerJSONWriter` (the tokenizer.json of `prep export`) read back by our own
/// tokenizer.json reader. AutoTokenizer on the same files is checked live by
/// Scripts/reference/check_export.py.
final class TokenizerJSONWriterTests: XCTestCase {
    private func roundTrip(_ v: Vocabulary, _ o: NormalizerOptions) throws -> (Vocabulary, [String: Any]) {
        let bytes = TokenizerJSONWriter.bytes(for: v, normalizer: o)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        return (try Vocabulary(fileBytes: bytes, path: "written/tokenizer.json"), object)
    }

    func testRoundTripKeepsVocabularySettingsAndSpecials() throws {
        let v = try Fixtures.vocabulary("bert-base-uncased")
        var o = NormalizerOptions()
        o.stripAccents = false
        o.handleChineseChars = false
        let (back, object) = try roundTrip(v, o)
        XCTAssertEqual(back.tokens, v.tokens)
        XCTAssertEqual(back.special, v.special)
        XCTAssertEqual(back.wordPiece, v.wordPiece)
        XCTAssertEqual(back.addedTokens.sorted { $0.id < $1.id }, v.addedTokens.sorted { $0.id < $1.id })
        XCTAssertEqual(back.normalizer?.lowercase, true)
        XCTAssertEqual(back.normalizer?.stripAccents, false)
        XCTAssertEqual(back.normalizer?.handleChineseChars, false)
        // The HF file of the same vocabulary has the same tokens, specials and WordPiece settings.
        let hf = try Vocabulary(
            path: Fixtures.packageRoot.appendingPathComponent("Vocab/bert-base-uncased/tokenizer.json").path)
        XCTAssertEqual(back.tokens, hf.tokens)
        XCTAssertEqual(Set(back.addedTokens.map(\.content)), Set(hf.addedTokens.map(\.content)))

        XCTAssertEqual((object["pre_tokenizer"] as? [String: Any])?["type"] as? String, "BertPreTokenizer")
        XCTAssertEqual((object["decoder"] as? [String: Any])?["prefix"] as? String, "##")
        let model = object["model"] as! [String: Any]
        XCTAssertEqual(model["max_input_chars_per_word"] as? Int, 100)
        XCTAssertEqual(model["continuing_subword_prefix"] as? String, "##")
        let post = object["post_processor"] as! [String: Any]
        XCTAssertEqual(post["type"] as? String, "TemplateProcessing")
        let single = (post["single"] as! [[String: Any]]).map { ($0.keys.first!, ($0.values.first as! [String: Any])) }
        XCTAssertEqual(single.map(\.0), ["SpecialToken", "Sequence", "SpecialToken"])
        XCTAssertEqual(single.map { $0.1["id"] as! String }, ["[CLS]", "A", "[SEP]"])
        let pair = (post["pair"] as! [[String: Any]]).map { $0.values.first as! [String: Any] }
        XCTAssertEqual(pair.map { $0["id"] as! String }, ["[CLS]", "A", "[SEP]", "B", "[SEP]"])
        XCTAssertEqual(pair.map { $0["type_id"] as! Int }, [0, 0, 0, 1, 1])
        let specials = post["special_tokens"] as! [String: [String: Any]]
        XCTAssertEqual(specials["[CLS]"]?["ids"] as? [Int], [101])
        XCTAssertEqual(specials["[SEP]"]?["ids"] as? [Int], [102])
    }

    /// strip_accents `nil` (follow lowercase) is written as JSON null and read back as nil.
    func testUnsetStripAccentsStaysNull() throws {
        let v = try Fixtures.vocabulary("bert-base-chinese")
        var o = NormalizerOptions()
        o.lowercase = false
        let (back, object) = try roundTrip(v, o)
        XCTAssertTrue((object["normalizer"] as! [String: Any])["strip_accents"] is NSNull)
        XCTAssertNil(back.normalizer?.stripAccents)
        XCTAssertEqual(back.normalizer?.lowercase, false)
    }

    /// Through the written tokenizer.json, our tokenizer gives the reference's ids on every
    /// Corpora/ line (the same fixtures as CorpusParityTests, which tokenize from vocab.txt).
    func testWrittenTokenizerGivesReferenceIdsOnCorpora() throws {
        for (name, lowercase) in [("bert-base-uncased", true), ("bert-base-chinese", false)] {
            var o = NormalizerOptions()
            o.lowercase = lowercase
            let (back, _) = try roundTrip(try Fixtures.vocabulary(name), o)
            let encoder = try BertTokenizer(vocabulary: back, normalizer: back.normalizer!).makeEncoder()
            let rows = try Fixtures.rows("corpus-\(name)-\(lowercase ? "lower" : "cased").jsonl.zst")
            XCTAssertGreaterThan(rows.count, 1000)
            var texts: [String: [[UInt8]]] = [:]
            var encoding = Encoding()
            var failures: [String] = []
            for row in rows {
                let file = row["file"] as! String, line = row["line"] as! Int
                if texts[file] == nil { texts[file] = try CorpusParityTests.lines(of: file) }
                try texts[file]![line - 1].withUnsafeBufferPointer { try encoder.encode($0, into: &encoding) }
                if encoding.ids.asInts != row["ids"] as! [Int] { failures.append("\(file):\(line)") }
            }
            XCTAssertEqual(failures, [], "\(name): \(failures.count) of \(rows.count) lines differ")
        }
    }

    /// Token strings travel as their bytes: quotes, backslashes and control characters are
    /// escaped, everything else (decomposed accents included) is copied, never normalised.
    func testTokenStringsAreWrittenAsTheirBytes() throws {
        let tokens = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a\"b", "back\\slash", "tab\t", "\u{1}", "\u{E9}",
            "e\u{301}", "日本", "##x", "\u{2028}",
        ]
        let v = try Vocabulary(tokens: tokens)
        let bytes = TokenizerJSONWriter.bytes(for: v, normalizer: NormalizerOptions())
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains(#""a\"b": 5"#))
        XCTAssertTrue(text.contains(#""back\\slash": 6"#))
        XCTAssertTrue(text.contains(#""tab\t": 7"#))
        XCTAssertTrue(text.contains(#""\u0001": 8"#))
        XCTAssertNotNil(bytes.firstRange(of: Array("\"e\u{301}\": 10".utf8)))
        XCTAssertNotNil(bytes.firstRange(of: Array("\"\u{E9}\": 9".utf8)))
        let back = try Vocabulary(fileBytes: bytes, path: "t.json")
        XCTAssertEqual(back.tokens.map { Array($0.utf8) }, tokens.map { Array($0.utf8) })
    }

    /// The reader keeps keys as bytes too: `\u` escapes (surrogate pairs included, as Python's
    /// json.dumps writes them) resolve to their UTF-8, and canonically equivalent keys stay two.
    func testReaderResolvesEscapesAndKeepsEquivalentKeysApart() throws {
        let json = #"""
            {"added_tokens": [{"id": 0, "content": "[UNK]", "special": true}],
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "\ud83d\ude00": 1,
               "caf\u00e9": 2, "cafe\u0301": 3, "q\"\\\/": 4, "x": 5}}}
            """#
        let v = try Vocabulary(fileBytes: Array(json.utf8), path: "escaped.json")
        XCTAssertEqual(
            v.tokens.map { Array($0.utf8) },
            ["[UNK]", "\u{1F600}", "caf\u{E9}", "cafe\u{301}", "q\"\\/", "x"].map { Array($0.utf8) })
        // A byte order mark is not JSON; HF's reader (serde_json) refuses it too.
        XCTAssertThrowsError(try Vocabulary(fileBytes: [0xEF, 0xBB, 0xBF] + Array(json.utf8), path: "escaped.json")) {
            XCTAssertTrue("\($0)".contains("byte order mark"), "\($0)")
        }
    }

    /// Without [CLS] and [SEP] there is no template to write: post_processor null, as HF has.
    func testNoClassifierTokenMeansNoPostProcessor() throws {
        let v = try Vocabulary(tokens: ["[UNK]", "a", "##b"])
        let (back, object) = try roundTrip(v, NormalizerOptions())
        XCTAssertTrue(object["post_processor"] is NSNull)
        XCTAssertEqual(back.tokens, ["[UNK]", "a", "##b"])
        XCTAssertEqual(back.addedTokens.map(\.content), ["[UNK]"])
    }
}
