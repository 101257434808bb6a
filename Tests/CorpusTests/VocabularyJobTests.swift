import Foundation
import XCTest
@testable import Corpus
@testable import Tokenization

/// `prep vocab` as a library job: the files it writes, their round trip through the
/// tokenizer, thread independence, and one-line errors for bad input.
final class VocabularyJobTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws { dir = try Fixtures.makeTemporaryDirectory(prefix: "vocab-job") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Fixtures.write(bytes, named: name, in: dir)
    }
    private var corpus: String { Fixtures.packageRoot.appendingPathComponent("Corpora/en/kjv-sample.txt").path }

    private func job(_ inputs: [String], size: Int = 2_000, out: String = "out") -> VocabularyJob {
        var j = VocabularyJob(inputs: inputs, outputDirectory: (dir as NSString).appendingPathComponent(out))
        j.training.vocabularySize = size
        return j
    }

    func testWritesVocabularyAndTokenizerJSONThatLoadAlike() throws {
        let s = try job([corpus]).run()
        XCTAssertEqual(s.vocabularySize, 2_000)
        XCTAssertEqual(s.distinctWords, 3_129)
        XCTAssertEqual(s.alphabetSize, 35)
        XCTAssertTrue(s.warnings.isEmpty)
        let txt = try Vocabulary(path: s.output + "/vocab.txt")
        let json = try Vocabulary(path: s.output + "/tokenizer.json")
        XCTAssertEqual(txt.tokens, json.tokens)
        XCTAssertEqual(Array(txt.tokens.prefix(5)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(json.normalizer, NormalizerOptions())
        XCTAssertEqual(json.addedTokens.count, 5)
        // Both encode a verse alike, without unknown tokens.
        let verse = Array("In the beginning God created the heaven and the earth.".utf8)
        var a = Encoding(), b = Encoding()
        try verse.withUnsafeBufferPointer { try BertTokenizer(vocabulary: txt).makeEncoder().encode($0, into: &a) }
        try verse.withUnsafeBufferPointer { try BertTokenizer(vocabulary: json).makeEncoder().encode($0, into: &b) }
        XCTAssertEqual(a.ids, b.ids)
        XCTAssertFalse(a.ids.contains(txt.special.unknown))
        XCTAssertEqual(a.ids.first, txt.special.classifier)
        // No temporary files are left behind.
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: s.output).sorted(), ["tokenizer.json", "vocab.txt"])
    }

    func testSameVocabularyForAnyThreadCountAndChunking() throws {
        let one = try job([corpus], out: "one").run()
        var two = job([corpus], out: "two")
        two.threads = 2
        _ = try two.run()
        var counter = CorpusWordCounter(inputs: [corpus])
        counter.threads = 2
        counter.chunkBytes = 4096
        XCTAssertEqual(
            try counter.run().words.dictionary, try CorpusWordCounter(inputs: [corpus]).run().words.dictionary)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: one.output + "/vocab.txt")),
            try Data(contentsOf: URL(fileURLWithPath: dir + "/two/vocab.txt")))
    }

    func testCasedOptionsReachTokenizerJSON() throws {
        var j = job([corpus], size: 500)
        j.normalizer.lowercase = false
        j.normalizer.handleChineseChars = false
        let s = try j.run()
        let json = try Vocabulary(path: s.output + "/tokenizer.json")
        XCTAssertEqual(json.normalizer?.lowercase, false)
        XCTAssertEqual(json.normalizer?.handleChineseChars, false)
        XCTAssertNil(json.normalizer?.stripAccents)
        XCTAssertTrue(json.tokens.contains("G"))
    }

    func testEmptyCorpusIsBadInput() throws {
        let empty = try file("empty.txt", Array(" \n\n\t\n".utf8))
        XCTAssertThrowsError(try job([empty]).run()) { e in
            let error = e as! TokenizationError
            XCTAssertEqual(error.exitCode, 2)
            XCTAssertEqual(error.description, "\(empty): no words to learn a vocabulary from (empty corpus)")
        }
    }

    func testVocabularySizeBelowAlphabetIsBadInput() throws {
        XCTAssertThrowsError(try job([corpus], size: 30).run()) { e in
            let error = e as! TokenizationError
            XCTAssertEqual(error.exitCode, 2)
            XCTAssertTrue(
                error.description.hasPrefix(
                    "\(corpus): vocabulary size 30 is smaller than the 5 special tokens plus the 35-character alphabet"),
                error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/vocab.txt"))
    }

    func testUnwritableOutputFailsBeforeCounting() throws {
        let blocker = try file("blocker", [1])
        var j = job([corpus])
        j.outputDirectory = blocker + "/sub"
        var counted = false
        j.progress = { _, _ in counted = true }
        XCTAssertThrowsError(try j.run()) { e in
            let error = e as! TokenizationError
            XCTAssertEqual(error.exitCode, 1)
            XCTAssertTrue(
                error.description.hasPrefix(blocker + "/sub: cannot create output directory"), error.description)
        }
        XCTAssertFalse(counted)
    }

    func testMissingInputIsBadInput() throws {
        XCTAssertThrowsError(try job([dir + "/absent.txt"]).run()) { e in
            XCTAssertEqual((e as! TokenizationError).description, "\(dir!)/absent.txt: input file not found")
        }
    }

    func testInvalidUTF8IsReplacedOrRefused() throws {
        let bad = try file("bad.txt", Array("caf".utf8) + [0xE9] + Array(" café cafe\n".utf8))
        var replace = job([bad], size: 100)
        replace.training.minimumFrequency = 1
        // 1 bad byte in 16 is far above the default rate; allowed here to test the repair.
        replace.maxInvalidUTF8 = 1
        let s = try replace.run()
        XCTAssertEqual(s.replacedInvalidUTF8, 1)
        XCTAssertTrue(s.warnings.contains { $0.contains("replaced 1 invalid UTF-8") })
        var fail = job([bad], size: 100, out: "fail")
        fail.onInvalid = .fail
        XCTAssertThrowsError(try fail.run()) { e in
            XCTAssertEqual((e as! TokenizationError).description, "\(bad): invalid UTF-8 at byte offset 3")
        }
    }

    func testJSONLAndZstdInputsCountTheTextMembers() throws {
        let jsonl = try file(
            "docs.jsonl", Array("{\"id\": 1, \"text\": \"red fish\\nblue fish\"}\n\n{\"text\": \"[CLS] fish\"}\n".utf8))
        let counts = try CorpusWordCounter(inputs: [jsonl]).run().words.dictionary
        XCTAssertEqual(counts, ["red": 1, "fish": 3, "blue": 1, "[": 1, "cls": 1, "]": 1])
        let zstd = "/usr/bin/zstd"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: zstd), "no zstd CLI")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: zstd)
        p.arguments = ["-q", "-f", jsonl, "-o", jsonl + ".zst"]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(try CorpusWordCounter(inputs: [jsonl + ".zst"]).run().words.dictionary, counts)
    }

    func testReplayedChoicesComeFromTheGivenVocabulary() throws {
        let first = try job([corpus], size: 300, out: "first").run()
        var again = job([corpus], size: 300, out: "again")
        again.replayedVocabularyPath = first.output + "/vocab.txt"
        _ = try again.run()
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: first.output + "/vocab.txt")),
            try Data(contentsOf: URL(fileURLWithPath: dir + "/again/vocab.txt")))
    }
}
