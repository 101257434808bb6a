import Foundation
import Shards
import XCTest
@testable import Corpus
@testable import Tokenization

/// Every configuration of `vocab-training.jsonl.zst` (HF tokenizers 0.23.3
/// `BertWordPieceTokenizer.train` on Corpora/ files, Scripts/reference/vocab_fixtures.py):
/// the words are counted as `prep vocab` counts them, the trainer replays the HF run's
/// hash-order choices read from the fixture's head, and the whole vocab.txt must be HF's
/// (line count, head, tail and SHA-256 of the file).
final class VocabularyTrainingParityTests: XCTestCase {
    func testEveryFixtureConfigurationIsIdenticalToTheReference() throws {
        let rows = try Fixtures.rows("vocab-training.jsonl.zst")
        XCTAssertGreaterThanOrEqual(rows.count, 50)
        var counted: [String: WordCountTable] = [:]
        var failures: [String] = []
        for row in rows {
            let name = row["name"] as! String
            let files = (row["files"] as! [String]).map {
                Fixtures.packageRoot.appendingPathComponent("Corpora/\($0)").path
            }
            let o = row["options"] as! [String: Any]
            var normalizer = NormalizerOptions()
            normalizer.lowercase = o["lowercase"] as! Bool
            normalizer.stripAccents = o["strip_accents"] as? Bool
            normalizer.handleChineseChars = o["handle_chinese_chars"] as! Bool
            let key = "\(files) \(normalizer)"
            if counted[key] == nil {
                var counter = CorpusWordCounter(inputs: files)
                counter.normalizer = normalizer
                counted[key] = try counter.run().words
            }
            var options = WordPieceTrainingOptions()
            options.vocabularySize = o["vocab_size"] as! Int
            options.minimumFrequency = UInt64(o["min_frequency"] as! Int)
            options.alphabetLimit = o["limit_alphabet"] as? Int
            options.initialAlphabet = (o["initial_alphabet"] as! [String]).compactMap { $0.unicodeScalars.first }
            options.specialTokens = o["special_tokens"] as! [String]
            let head = row["head"] as! [String], tail = row["tail"] as! [String]
            let choices = HashOrderChoices(replaying: head, options: options)
            let tokens = WordPieceTrainer(options: options).train(counted[key]!, choices: choices).tokens
            let sha = SHA256Hasher.hex(of: VocabularyFiles.vocabularyText(tokens))
            if tokens.count != row["lines"] as! Int || Array(tokens.prefix(head.count)) != head
                || Array(tokens.suffix(tail.count)) != tail || sha != row["sha256"] as! String
            {
                let reference = head + tail
                let firstDifference = zip(tokens.prefix(head.count), head).enumerated().first {
                    $0.element.0 != $0.element.1
                }
                failures.append(
                    "\(name): \(tokens.count) tokens (reference \(row["lines"]!)); "
                        + (firstDifference.map {
                            "line \($0.offset + 1): \($0.element.0.debugDescription) vs \($0.element.1.debugDescription)"
                        }
                            ?? "head equal, \(reference.count) lines compared"))
            }
        }
        XCTAssert(
            failures.isEmpty,
            "\(failures.count) of \(rows.count) configurations differ:\n" + failures.joined(separator: "\n"))
    }
}
