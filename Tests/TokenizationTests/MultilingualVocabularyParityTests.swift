import Foundation
import XCTest
@testable import Tokenization

/// The real bert-base-multilingual-cased vocabulary (Vocab/bert-base-multilingual-cased, vendored
/// by Scripts/reference/mbert_vocab.py) against HF tokenizers 0.23.3. It holds five pairs of
/// tokens that are different bytes but canonically equivalent, so equal Swift `String`s: a
/// loader keying tokens by `String` reports 5 duplicates, moves ids (the later line wins) and
/// encodes text differently. The corpus fixture (corpus-bert-base-multilingual-cased-cased,
/// Scripts/reference/tokenizer_fixtures.py) has ids from HF's tokenizer.json and vocab.txt
/// pipelines, which agree; its Greek text writes "ί" as U+1F77, canonically equivalent to the
/// vocabulary's U+03AF, and HF gives [UNK] there, as only a byte comparison does.
final class MultilingualVocabularyParityTests: XCTestCase {
    private static let name = "bert-base-multilingual-cased"
    private static let count = 119_547

    /// (HF id, the token's scalars). Pairs: U+045D / U+0438 U+0300, U+2329 / U+3008 (and as
    /// `##` pieces); `##｣` (U+FF63) is only compatibility-equivalent to `##」` (U+300D).
    private static let pinned: [(UInt32, [UInt32])] = [
        (586, [0x45D]), (90061, [0x438, 0x300]),
        (1829, [0x2329]), (1886, [0x3008]), (1830, [0x232A]), (1887, [0x3009]),
        (111713, [0x23, 0x23, 0x2329]), (111769, [0x23, 0x23, 0x3008]),
        (119542, [0x23, 0x23, 0xFF63]), (111774, [0x23, 0x23, 0x300D]),
        (11476, [0x3B5, 0x3AF, 0x3BD, 0x3B1, 0x3B9]),  // "είναι" with U+03AF, as in the vocabulary
    ]

    private static func tokenizerJSON() throws -> Vocabulary {
        try Vocabulary(path: Fixtures.packageRoot.appendingPathComponent("Vocab/\(name)/tokenizer.json").path)
    }

    private func checkTokens(_ v: Vocabulary) {
        XCTAssertEqual(v.count, Self.count)
        // The warning `prep` prints; nil means none, with the cause checked too.
        XCTAssertNil(v.duplicateWarning)
        XCTAssertTrue(v.duplicates.isEmpty, "\(v.duplicates.prefix(5))")
        XCTAssertEqual(v.special, SpecialTokenIDs(unknown: 100, classifier: 101, separator: 102, padding: 0, mask: 103))
        for (id, scalars) in Self.pinned {
            let token = String(String.UnicodeScalarView(scalars.map { Unicode.Scalar($0)! }))
            XCTAssertEqual(v.token(for: id).unicodeScalars.map(\.value), scalars, "token of id \(id)")
            XCTAssertEqual(v.id(for: token), Int32(id), "id of \(scalars.map { String($0, radix: 16) })")
        }
        XCTAssertNil(v.id(for: "\u{3B5}\u{1F77}\u{3BD}\u{3B1}\u{3B9}"), "U+1F77 spelling is not a token")
        // Guard on the guard: as `String`s the five pairs are equal, so a String-keyed loader
        // could not reach the count and pins above.
        XCTAssertEqual(Set(v.tokens).count, Self.count - 5)
    }

    func testVocabTextLoadsEveryTokenApartWithHFsIds() throws {
        let start = Date()
        let v = try Vocabulary(path: Fixtures.vocabPath(Self.name))
        let seconds = Date().timeIntervalSince(start)
        checkTokens(v)
        XCTAssertLessThan(seconds, 10, "loading vocab.txt took \(seconds) s")
    }

    func testTokenizerJSONLoadsTheSameIdsAsVocabText() throws {
        let start = Date()
        let json = try Self.tokenizerJSON()
        let seconds = Date().timeIntervalSince(start)
        checkTokens(json)
        let txt = try Fixtures.vocabulary(Self.name)
        // Bytes, not `String ==`, which would accept the canonically equivalent spelling.
        XCTAssertTrue(json.tokens.map { Array($0.utf8) } == txt.tokens.map { Array($0.utf8) })
        XCTAssertEqual(json.normalizer?.lowercase, false)
        XCTAssertEqual(json.normalizer?.effectiveStripAccents, false)
        XCTAssertEqual(Set(json.addedTokens.map(\.content)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertLessThan(seconds, 10, "loading tokenizer.json took \(seconds) s")
    }

    func testCorpusFromVocabTextMatchesHF() throws {
        var o = NormalizerOptions()
        o.lowercase = false  // mBERT cased: stripAccents nil follows lowercase, so accents stay
        try checkCorpus(BertTokenizer(vocabulary: try Fixtures.vocabulary(Self.name), normalizer: o))
    }

    func testCorpusFromTokenizerJSONMatchesHF() throws {
        let v = try Self.tokenizerJSON()
        try checkCorpus(BertTokenizer(vocabulary: v, normalizer: v.normalizer))
    }

    private func checkCorpus(_ tokenizer: BertTokenizer) throws {
        let rows = try Fixtures.rows("corpus-\(Self.name)-cased.jsonl.zst")
        XCTAssertGreaterThan(rows.count, 5000)
        let encoder = try tokenizer.makeEncoder()
        var texts: [String: [[UInt8]]] = [:]
        var encoding = Encoding()
        var failures: [String] = []
        var files = Set<String>()
        for row in rows {
            let file = row["file"] as! String
            let line = row["line"] as! Int
            files.insert(file.split(separator: "/").first.map(String.init) ?? file)
            if texts[file] == nil { texts[file] = try CorpusParityTests.lines(of: file) }
            try texts[file]![line - 1].withUnsafeBufferPointer { try encoder.encode($0, into: &encoding) }
            if encoding.ids.asInts != row["ids"] as! [Int] { failures.append("\(file):\(line)") }
        }
        XCTAssertTrue(
            files.isSuperset(of: ["de", "el", "es", "fr", "ja", "ko", "mixed", "ru", "vi", "zh"]), "\(files)")
        if !failures.isEmpty {
            XCTFail(
                "\(failures.count) of \(rows.count) lines differ from HF, e.g. "
                    + failures.prefix(20).joined(separator: ", "))
        }
    }
}
