import Foundation
import XCTest
@testable import Tokenization

/// The trie model must agree with the readable greedy algorithm on every word.
final class WordPieceModelTests: XCTestCase {
    private func fast(_ model: WordPieceModel, _ word: String) -> [(Int32, Range<Int>)] {
        let bytes = Array(word.utf8)
        let out = WordPieceOutput()
        out.reserve(bytes.count)
        bytes.withUnsafeBufferPointer {
            model.tokenize(word: $0, start: 0, end: bytes.count, scalarCount: word.unicodeScalars.count, into: out)
        }
        // Byte ranges -> scalar ranges for comparison.
        var scalarAt = [Int](repeating: 0, count: bytes.count + 1)
        var n = 0
        for i in 0..<bytes.count { scalarAt[i] = n; if bytes[i] & 0xC0 != 0x80 { n += 1 } }
        scalarAt[bytes.count] = n
        return (0..<out.count).map { (out.ids[$0], scalarAt[Int(out.starts[$0])]..<scalarAt[Int(out.ends[$0])]) }
    }

    private func assertAgree(_ vocab: Vocabulary, _ words: [String], file: StaticString = #filePath, line: UInt = #line)
    {
        let model = WordPieceModel(vocabulary: vocab)
        let reference = ReferenceWordPiece(vocabulary: vocab)
        for w in words {
            let a = fast(model, w), b = reference.tokenize(w)
            XCTAssertTrue(
                a.elementsEqual(b, by: { $0.0 == $1.id && $0.1 == $1.scalars }),
                "\(w.debugDescription): fast \(a) reference \(b)", file: file, line: line)
        }
    }

    func testKnownWordsFromTheReference() throws {
        // tokenizers 0.23.3: "unaffable" -> una ##ffa ##ble (14477, 20961, 3468).
        let v = try Fixtures.vocabulary("bert-base-uncased")
        let model = WordPieceModel(vocabulary: v)
        XCTAssertEqual(fast(model, "unaffable").map(\.0), [14477, 20961, 3468])
        XCTAssertEqual(fast(model, String(repeating: "a", count: 101)).map(\.0), [100])
        XCTAssertEqual(fast(model, String(repeating: "a", count: 101)).first?.1, 0..<101)
    }

    func testAgreesOnCorpusWords() throws {
        for name in ["bert-base-uncased", "bert-base-chinese"] {
            let v = try Fixtures.vocabulary(name)
            var words: Set<String> = []
            for file in ["en/kjv-sample.txt", "zh/tang300.txt", "ru/maint-guide-sample.txt", "mixed/unicode-edge.txt"] {
                let path = Fixtures.packageRoot.appendingPathComponent("Corpora/\(file)").path
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                for w in text.lowercased().split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).prefix(20_000)
                {
                    words.insert(String(w))
                }
            }
            XCTAssertGreaterThan(words.count, 1000)
            assertAgree(v, Array(words))
        }
    }

    /// Random words over a tiny vocabulary hit [UNK] (unmatchable middles), continuation
    /// chains and the length limit far more often than real text does.
    func testAgreesOnRandomWordsOverATinyVocabulary() throws {
        let tokens = [
            "[UNK]", "a", "ab", "abc", "b", "##a", "##b", "##bc", "##c", "##cab", "c", "é", "##é", "##", "#", "ü",
            "##ü",
        ]
        let v = try Vocabulary(tokens: tokens)
        var seed: UInt64 = 0x5eed
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let alphabet: [String] = ["a", "b", "c", "é", "ü", "#", "d"]
        var words: [String] = []
        for _ in 0..<5000 {
            let n = Int(next() % 12) + 1
            words.append((0..<n).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }.joined())
        }
        words.append(String(repeating: "ab", count: 50))  // exactly 100 scalars
        words.append(String(repeating: "ab", count: 50) + "a")
        assertAgree(v, words)
    }

    /// Empty continuation prefix and a custom limit (tokenizer.json may set both).
    func testCustomSettings() throws {
        var settings = WordPieceSettings()
        settings.continuationPrefix = ""
        settings.maxInputCharsPerWord = 5
        let v = try Vocabulary(tokens: ["[UNK]", "ab", "a", "b", "c"], wordPiece: settings)
        assertAgree(v, ["abc", "cab", "abcab", "abcabc", "ba", "d", "abd"])
    }

    /// The per-thread word cache memoizes a pure function: same pieces and offsets with
    /// and without it, including hits, collisions and words too long to cache.
    func testCacheDoesNotChangeOutput() throws {
        let v = try Fixtures.vocabulary("bert-base-uncased")
        let model = WordPieceModel(vocabulary: v)
        var text = PreTokenizedText()
        var seed: UInt64 = 42
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let words = [
            "the", "unaffable", "hello", "xyzzyq", "antidisestablishmentarianism", "a", "##", "naïve", "東京",
            String(repeating: "ab", count: 60), "supercalifragilistic",
        ]
        for _ in 0..<200_000 {
            let w =
                Array(words[Int(next() % UInt64(words.count))].utf8)
                + (next() % 3 == 0 ? Array(String(next() % 1000).utf8) : [])
            let start = Int32(text.bytes.count)
            text.bytes += w
            text.words.append(
                .init(
                    start: start, end: Int32(text.bytes.count),
                    scalarCount: Int32(String(decoding: w, as: UTF8.self).unicodeScalars.count)))
        }
        let plain = WordPieceOutput(), cached = WordPieceOutput()
        model.tokenize(text, into: plain)
        model.tokenize(text, into: cached, cache: WordPieceCache())
        XCTAssertEqual(Array(plain.ids), Array(cached.ids))
        XCTAssertEqual(Array(plain.starts), Array(cached.starts))
        XCTAssertEqual(Array(plain.ends), Array(cached.ends))
    }
}
