import Foundation
import XCTest

/// `prep vocab` as a user runs it: the report, the files, exit codes and one-line errors.
final class VocabCommandTests: XCTestCase {
    let corpus = PrepProcess.root.appendingPathComponent("Corpora/en/kjv-sample.txt").path

    func testLearnsAVocabularyThatTokenizeReads() throws {
        let dir = try makeTemporaryDirectory("prep-vocab")
        let r = try PrepProcess.run([
            "vocab", "--input", corpus, "--output", dir + "/v", "--vocab-size", "1500",
            "--threads", "2", "--json",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(report["vocabulary_size"] as? Int, 1500)
        XCTAssertEqual(report["distinct_words"] as? Int, 3129)
        XCTAssertEqual(report["alphabet_size"] as? Int, 35)
        XCTAssertNotNil(report["merges"] as? Int)
        XCTAssertNotNil(report["seconds"] as? Double)
        let vocab = try String(contentsOfFile: dir + "/v/vocab.txt", encoding: .utf8)
        XCTAssertEqual(vocab.split(separator: "\n").count, 1500)
        for v in ["vocab.txt", "tokenizer.json"] {
            let e = try PrepProcess.run(
                ["encode", "--vocab", dir + "/v/" + v], stdin: Array("In the beginning\n".utf8))
            XCTAssertEqual(e.status, 0, e.err)
            XCTAssertTrue(e.out.hasPrefix("[2,"), e.out)  // [CLS] is id 2 after [PAD] [UNK]
        }
    }

    func testBadInputExitsTwoWithOneLine() throws {
        let dir = try makeTemporaryDirectory("prep-vocab")
        let empty = dir + "/empty.txt"
        FileManager.default.createFile(atPath: empty, contents: Data())
        let cases: [([String], String)] = [
            (
                ["--input", empty, "--output", dir + "/a", "--vocab-size", "100"],
                "\(empty): no words to learn a vocabulary from (empty corpus)"
            ),
            (
                ["--input", corpus, "--output", dir + "/b", "--vocab-size", "20"],
                "\(corpus): vocabulary size 20 is smaller than the 5 special tokens"
            ),
            (
                ["--input", dir + "/missing.txt", "--output", dir + "/c", "--vocab-size", "100"],
                "\(dir)/missing.txt: input file not found"
            ),
        ]
        for (args, message) in cases {
            let r = try PrepProcess.run(["vocab"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
        // A usage error: exit 2, the message, then the usage text.
        let usage = try PrepProcess.run([
            "vocab", "--input", corpus, "--output", dir + "/d", "--vocab-size", "100",
            "--special-tokens", "[PAD]",
        ])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.err.contains("--special-tokens must include [UNK]"), usage.err)
    }

    /// An output below a regular file can never be created: bad usage (2), as in every command.
    func testOutputBelowAFileExitsTwo() throws {
        let dir = try makeTemporaryDirectory("prep-vocab")
        FileManager.default.createFile(atPath: dir + "/file", contents: Data([1]))
        let r = try PrepProcess.run(["vocab", "--input", corpus, "--output", dir + "/file/out", "--vocab-size", "100"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.hasPrefix("error: \(dir)/file/out: cannot create output directory"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
    }
}
