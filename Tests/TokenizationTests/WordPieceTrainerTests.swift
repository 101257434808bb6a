import Foundation
import XCTest
@testable import Tokenization

/// The trainer on hand-made word counts: HF's own unit test, the tie rules, and independence
/// from the order the words were counted in.
final class WordPieceTrainerTests: XCTestCase {
    private func train(
        _ counts: [String: UInt64], _ configure: (inout WordPieceTrainingOptions) -> Void = { _ in },
        choices: HashOrderChoices = HashOrderChoices()
    ) -> WordPieceTrainingResult {
        var o = WordPieceTrainingOptions()
        configure(&o)
        return WordPieceTrainer(options: o).train(WordCountTable(counts), choices: choices)
    }

    /// `test_train` of HF's bpe/trainer.rs: a BpeTrainer (no prefix, no specials, no limit,
    /// min frequency 2) learns the characters by code point, then re, are, is.
    func testHuggingFaceBPEUnitTest() {
        let counts: [String: UInt64] = [
            "roses": 1, "are": 2, "red": 1, "voilets": 1, "blue": 1, "BERT": 1,
            "is": 2, "big": 1, "and": 1, "so": 1, "GPT-2": 1,
        ]
        let result = train(counts) { o in
            o.continuingSubwordPrefix = ""; o.specialTokens = []; o.alphabetLimit = nil
        }
        XCTAssertEqual(
            result.tokens,
            [
                "-", "2", "B", "E", "G", "P", "R", "T", "a", "b", "d", "e", "g", "i", "l", "n",
                "o", "r", "s", "t", "u", "v", "re", "are", "is",
            ])
        XCTAssertEqual(result.merges, 3)
    }

    func testSpecialTokensThenAlphabetThenContinuationsThenMerges() {
        let result = train(["hug": 10, "pug": 5, "hugs": 5]) { $0.vocabularySize = 14 }
        // ##u and ##g come from "hug" (most frequent), ##s from "hugs".
        XCTAssertEqual(
            result.tokens,
            [
                "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "g", "h", "p", "s", "u",
                "##u", "##g", "##s", "##ug",
            ])
        XCTAssertEqual(result.alphabetSize, 5)
    }

    /// Equal counts: the smaller pair (by ids) first; a merged continuation drops its prefix.
    func testTiesGoToTheSmallerPair() {
        // "ab" and "cd" both occur 3 times; a < c, so ab first.
        let result = train(["cd": 3, "ab": 3]) { o in
            o.specialTokens = ["[UNK]"]; o.vocabularySize = 100
        }
        XCTAssertEqual(Array(result.tokens.suffix(2)), ["ab", "cd"])
    }

    func testMinimumFrequencyStopsTraining() {
        let result = train(["ab": 3, "cd": 1]) { o in
            o.specialTokens = ["[UNK]"]; o.minimumFrequency = 2
        }
        XCTAssertEqual(result.tokens.last, "ab")
        XCTAssertEqual(result.merges, 1)
    }

    /// At the alphabet limit, the lightest characters go; among equal weights the higher code
    /// point goes first, unless the replayed choices prefer it.
    func testAlphabetLimitAndTies() {
        let counts: [String: UInt64] = ["a": 5, "b": 1, "c": 1, "d": 1]
        let plain = train(counts) { o in
            o.specialTokens = ["[UNK]"]; o.alphabetLimit = 2
        }
        XCTAssertEqual(plain.tokens, ["[UNK]", "a", "b"])
        XCTAssertEqual(plain.distinctCharacters, 4)
        let replayed = train(
            counts,
            { o in
                o.specialTokens = ["[UNK]"]; o.alphabetLimit = 2
            },
            choices: HashOrderChoices(alphabet: [UInt32(UInt8(ascii: "d"))]))
        XCTAssertEqual(replayed.tokens, ["[UNK]", "a", "d"])
    }

    /// A character outside the alphabet is dropped from its word, joining its neighbours.
    func testDroppedCharacterJoinsNeighbours() {
        let result = train(["axb": 4, "ab": 1, "x": 1, "yy": 9]) { o in
            o.specialTokens = ["[UNK]"]; o.alphabetLimit = 3
        }
        // Weights: y 18, a 5, b 5, x 5: x (the highest code point of the tie) goes.
        XCTAssertEqual(Array(result.tokens.prefix(4)), ["[UNK]", "a", "b", "y"])
        XCTAssertTrue(result.tokens.contains("ab"))
    }

    func testInitialAlphabetOutranksCountedCharacters() {
        let result = train(["aab": 3]) { o in
            o.specialTokens = ["[UNK]"]; o.alphabetLimit = 2; o.initialAlphabet = ["z"]
        }
        XCTAssertEqual(Array(result.tokens.prefix(3)), ["[UNK]", "a", "z"])
    }

    /// A one-character special token stands for that character; a repeated one counts once.
    func testSpecialTokenThatIsACharacter() {
        let result = train(["ab": 2]) { o in
            o.specialTokens = ["[UNK]", "a", "[UNK]"]; o.vocabularySize = 10
        }
        XCTAssertEqual(result.tokens, ["[UNK]", "a", "b", "##b", "ab"])
    }

    /// Canonically equivalent but different bytes stay different tokens (HF compares bytes):
    /// "ét" with a precomposed é and "e" + U+0301 + "t" are both learned.
    func testTokensAreComparedAsBytes() {
        let result = train(["\u{E9}t\u{E9}": 2, "e\u{301}t": 2]) { o in
            o.specialTokens = ["[UNK]"]; o.vocabularySize = 100; o.minimumFrequency = 1
        }
        let bytes = Set(result.tokens.map { Array($0.utf8) })
        XCTAssertEqual(bytes.count, result.tokens.count)
        XCTAssertTrue(bytes.contains(Array("\u{E9}t".utf8)))
        XCTAssertTrue(bytes.contains(Array("e\u{301}t".utf8)))
    }

    /// The result does not depend on the order the words were counted in (the tables of a
    /// parallel count are merged in any order).
    func testIndependentOfCountingOrder() throws {
        var generator = FastPathAgreementTests.Random(state: 7)
        var counts: [String: UInt64] = [:]
        let letters = Array("abcdeéfghij")
        for _ in 0..<3000 {
            let n = Int(generator.next() % 7) + 1
            let word = String((0..<n).map { _ in letters[Int(generator.next() % UInt64(letters.count))] })
            counts[word, default: 0] += generator.next() % 5 + 1
        }
        var o = WordPieceTrainingOptions()
        o.vocabularySize = 600
        o.alphabetLimit = 8
        let sorted = WordPieceTrainer(options: o).train(WordCountTable(counts))
        let shuffled = WordCountTable()
        var words = Array(counts)
        for i in stride(from: words.count - 1, to: 0, by: -1) { words.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        for (w, n) in words { shuffled.add(w, occurrences: n) }
        XCTAssertEqual(WordPieceTrainer(options: o).train(shuffled), sorted)
        XCTAssertGreaterThan(sorted.merges, 100)
    }

    func testReplayingReadsAlphabetAndContinuationOrder() {
        var o = WordPieceTrainingOptions()
        o.specialTokens = ["[UNK]", "[PAD]"]
        let choices = HashOrderChoices(
            replaying: ["[UNK]", "[PAD]", "a", "b", "é", "##b", "##é", "##a", "ab", "##ba"], options: o)
        XCTAssertEqual(choices.alphabet, [0x61, 0x62, 0xE9])
        XCTAssertEqual(choices.continuationOrder, [0x62, 0xE9, 0x61])
    }
}
