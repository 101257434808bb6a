import Foundation
import XCTest
@testable import Tokenization

final class VocabularyTests: XCTestCase {
    private func temp(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testBertBaseUncased() throws {
        let v = try Vocabulary(path: Fixtures.vocabPath("bert-base-uncased"))
        XCTAssertEqual(v.count, 30_522)
        XCTAssertEqual(v.special, SpecialTokenIDs(unknown: 100, classifier: 101, separator: 102, padding: 0, mask: 103))
        XCTAssertEqual(v.id(for: "hello"), 7592)
        XCTAssertTrue(v.isContinuation(UInt32(v.id(for: "##s")!)))
        XCTAssertFalse(v.isContinuation(7592))
        XCTAssertTrue(v.isSpecial(103) && v.isSpecial(1) && !v.isSpecial(7592))
        XCTAssertNil(v.duplicateWarning)
    }

    func testTokenizerJSONMatchesVocabTxt() throws {
        let json = try Vocabulary(
            path: Fixtures.packageRoot.appendingPathComponent("Vocab/bert-base-uncased/tokenizer.json").path)
        let txt = try Vocabulary(path: Fixtures.vocabPath("bert-base-uncased"))
        XCTAssertEqual(json.tokens, txt.tokens)
        XCTAssertEqual(json.special, txt.special)
        XCTAssertEqual(json.normalizer?.lowercase, true)
        XCTAssertEqual(json.wordPiece, WordPieceSettings())
        XCTAssertEqual(Set(json.addedTokens.map(\.content)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    }

    /// Found by fuzzing (Scripts/fuzz tokenizer-json): a huge added-token id sized an array of
    /// gigabytes; it is refused with the entry's position instead.
    func testAHugeAddedTokenIdIsRefusedWithoutAllocatingForIt() {
        let json = #"{"added_tokens": [{"content": "", "id": 333333332}], "model": {"vocab": {"A]": 0, "[UNK]": 1}}}"#
        XCTAssertThrowsError(try Vocabulary(fileBytes: Array(json.utf8), path: "t.json")) {
            XCTAssertTrue("\($0)".contains("has id 333333332, which leaves ids without a token"), "\($0)")
        }
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try Vocabulary(path: "/nonexistent/vocab.txt")) { e in
            XCTAssertEqual(
                e as? TokenizationError,
                .vocabulary(path: "/nonexistent/vocab.txt", detail: "vocabulary file not found"))
            XCTAssertEqual((e as? TokenizationError)?.exitCode, 2)
            XCTAssertTrue("\(e)".contains("/nonexistent/vocab.txt"))
        }
    }

    func testNoUnknownTokenIsAnError() throws {
        let path = try temp("nounk.txt", Array("[CLS]\n[SEP]\nhello\n".utf8))
        XCTAssertThrowsError(try Vocabulary(path: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("[UNK]"), "\(e)")
        }
    }

    func testInvalidUTF8LineIsAnError() throws {
        let path = try temp("bad.txt", Array("[UNK]\n".utf8) + [0x61, 0xFF, 0x0A])
        XCTAssertThrowsError(try Vocabulary(path: path)) { e in
            XCTAssertEqual("\(e)", "\(path): line 2 is not valid UTF-8")
        }
    }

    /// Reference (tokenizers 0.23.3, checked with dup.txt below): the later line wins for
    /// token -> id; "hello worlds" encodes to [2, 7, 6, 8, 3].
    func testDuplicatesLaterLineWins() throws {
        let path = try temp("dup.txt", Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\nhello\n##s\n".utf8))
        let v = try Vocabulary(path: path)
        XCTAssertEqual(v.id(for: "hello"), 7)
        XCTAssertEqual(v.duplicates.count, 1)
        XCTAssertEqual(v.duplicates.first?.lines, [5, 7])
        XCTAssertNotNil(v.duplicateWarning)
        XCTAssertTrue(v.duplicateWarning!.contains(path))
        let encoder = try BertTokenizer(vocabulary: v).makeEncoder()
        var e = Encoding()
        try Array("hello worlds".utf8).withUnsafeBufferPointer { try encoder.encode($0, into: &e) }
        XCTAssertEqual(e.ids, [2, 7, 6, 8, 3])
    }

    /// A precomposed "é" (U+00E9) and a decomposed "e" + U+0301 are two tokens, as in the
    /// reference: tokenizers 0.23.3 BertWordPieceTokenizer(this file, lowercase=False,
    /// strip_accents=False).encode("\u00e9 e\u0301").ids == [2, 5, 6, 3]. Swift's `String`
    /// equality would make them one.
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        let path = try temp("eq.txt", Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n\u{E9}\ne\u{301}\n".utf8))
        let v = try Vocabulary(path: path)
        XCTAssertNil(v.duplicateWarning)
        XCTAssertEqual(v.id(for: "\u{E9}"), 5)
        XCTAssertEqual(v.id(for: "e\u{301}"), 6)
        var o = NormalizerOptions()
        o.lowercase = false
        o.stripAccents = false
        let encoder = try BertTokenizer(vocabulary: v, normalizer: o).makeEncoder()
        var e = Encoding()
        try Array("\u{E9} e\u{301}".utf8).withUnsafeBufferPointer { try encoder.encode($0, into: &e) }
        XCTAssertEqual(e.ids, [2, 5, 6, 3])
    }

    /// The reference reads vocab.txt with `lines()` + `trim_end()`: "\r", trailing spaces and
    /// tabs go, leading spaces stay, empty lines are tokens (checked with tokenizers 0.23.3).
    func testLinesAreTrimmedAtTheEndOnly() throws {
        let path = try temp("ws.txt", Array("[PAD]\r\n[UNK]  \n[CLS]\t\n[SEP]\n[MASK]\n hello\nworld \n\n##s".utf8))
        let v = try Vocabulary(path: path)
        XCTAssertEqual(v.tokens, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", " hello", "world", "", "##s"])
        let encoder = try BertTokenizer(vocabulary: v).makeEncoder()
        var e = Encoding()
        try Array("hello worlds x".utf8).withUnsafeBufferPointer { try encoder.encode($0, into: &e) }
        XCTAssertEqual(e.ids, [2, 1, 6, 8, 1, 3])
    }

    func testEncodingWithoutCLSNamesTheVocabulary() throws {
        let v = try Vocabulary(tokens: ["[UNK]", "a"], path: "tiny.txt")
        let encoder = try BertTokenizer(vocabulary: v).makeEncoder()
        var e = Encoding()
        XCTAssertThrowsError(try Array("a".utf8).withUnsafeBufferPointer { try encoder.encode($0, into: &e) }) {
            XCTAssertEqual($0 as? TokenizationError, .missingToken(path: "tiny.txt", token: "[CLS]"))
        }
        try Array("a b".utf8).withUnsafeBufferPointer {
            try encoder.encode($0, options: EncodeOptions(addSpecialTokens: false), into: &e)
        }
        XCTAssertEqual(e.ids, [1, 0])
    }
}
